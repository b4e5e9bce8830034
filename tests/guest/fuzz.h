/*
 * The in-guest fuzzer (issue 13 item 4), shared by its files: the seeded
 * random source, the pools of names and regions the operations draw from,
 * the names no operation may touch (the host right, the lying pager's
 * ports), and the lying pager (fuzz_pager.c) that serves regions of the
 * fuzzer itself with bogus answers before a true one.
 */
#ifndef TESTS_FUZZ_H
#define TESTS_FUZZ_H

#include <abi/ipc.h>
#include <stdbool.h>
#include <stdint.h>

#define FUZZ_PROTECTED_MAX 64u /* the host right, the pager's port and its control ports */
#define FUZZ_LYING_MAX 4u      /* regions the lying pager serves at once */
#define FUZZ_LYING_PAGES 8u

/*
 * The next number of the generator (xorshift64*) whose state is *@state:
 * below @n, or any 64-bit number when @n is 0. Each thread has its own
 * state, so a run replays from its seed.
 */
uint64_t fuzz_rand(uint64_t *state, uint64_t n);

/* Mark @name as one no random operation may use (fuzz_guard), or no longer. */
void fuzz_protect(port_name_t name);
void fuzz_unprotect(port_name_t name);
/* @name, or PORT_NULL when it is protected. */
port_name_t fuzz_guard(port_name_t name);

/* A region the lying pager serves: touched by the fuzzer, answered by its pager thread. */
struct fuzz_lying {
    uint64_t addr, size; /* 0: a free slot */
};
extern struct fuzz_lying fuzz_lying[FUZZ_LYING_MAX];

/*
 * Start the lying pager: a receive right (protected) and a thread serving
 * it. Returns its port name, or PORT_NULL when it could not start.
 */
port_name_t fuzz_pager_start(uint64_t seed);
/* Bogus answers the lying pager gave, and requests it answered truly. */
extern volatile unsigned fuzz_pager_lies, fuzz_pager_answers;

#endif
