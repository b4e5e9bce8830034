/*
 * Shared by the in-guest IPC tests and their helper task (ipc_helper.c): the
 * message ids of the helper's little test protocol and a function that
 * spawns a helper and obtains a send right to its service port through the
 * bootstrap port.
 */
#ifndef TESTS_IPC_UTIL_H
#define TESTS_IPC_UTIL_H

#include <ipc/ipc.h>
#include <stdint.h>

extern port_name_t ipc_bootstrap_port; /* libipc/src/start.c */

/* Helper -> spawner on the bootstrap port: desc[0] is a send right to its service port. */
#define IPCT_ID_HELLO 0x100u
#define IPCT_ID_NULL 0x101u     /* reply with nothing */
#define IPCT_ID_WORDS 0x102u    /* reply w[i] = ~w[i] */
#define IPCT_ID_BYTES 0x103u    /* reply with each inline byte ^ 0x5a; w0 = byte count */
#define IPCT_ID_USE_SEND 0x104u /* desc[0] send right: send it (id IPCT_ID_PING, w0) */
#define IPCT_ID_USE_RECV 0x105u /* desc[0] receive right: poll it, reply its w0, destroy */
#define IPCT_ID_OOL_INFO 0x106u /* reply w0 checksum, w1 pages, w2 resident; inline frames */
#define IPCT_ID_HOLD 0x107u     /* keep the reply right; answer it late (w0 = IPCT_LATE) */
#define IPCT_ID_DROP 0x108u     /* drop the reply right unused */
#define IPCT_ID_EXIT 0x109u     /* exit without replying */
#define IPCT_ID_QUIT 0x10au     /* reply, then exit */
#define IPCT_ID_PING 0x10bu     /* a one-way message */

#define IPCT_LATE 0x1a7e1a7eull

/* Checksum of @n 64-bit words (order sensitive). */
static inline uint64_t ipct_checksum(const uint64_t *w, uint64_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;

    for (uint64_t i = 0; i < n; i++)
        h = (h ^ w[i]) * 0x100000001b3ull;
    return h;
}

/*
 * Spawn module ipc_helper with argument string @args and a bootstrap send
 * right to a fresh port; wait for its HELLO and store the send right it
 * gives in *@service (PORT_NULL when it sent none). Returns the task id or -ERR_*.
 */
long ipct_spawn_helper(const char *args, port_name_t *service);

/* Wait for child @task; returns 0 when it exited with status 0, else prints why and returns 1. */
int ipct_wait_child(long task);

#endif
