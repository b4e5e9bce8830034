/*
 * What the two halves of the fault benchmark (tools/bench fault) share: the
 * benchmark task (bench_fault.c) and its own pager, the same module run as a
 * child task with the argument "pager" (bench_fault_pager.c). The pager
 * serves the regions the benchmark maps with sys_vm_map, either zero filling
 * (data_unavailable) or copying each page out of its store, and logs when it
 * received each data_request and when it answered.
 */
#ifndef BENCH_FAULT_H
#define BENCH_FAULT_H

#include <abi/page.h>
#include <stdint.h>

#include "bench_util.h"

#define BENCH_STORE_PAGES 1024u /* pages in the pager's store */
#define BENCH_LOG_MAX 4096u     /* data_requests the pager logs */

/* Benchmark <-> pager messages (besides the kernel's memory_object ones). */
#define BENCH_ID_HELLO 0x310u /* pager -> benchmark: its port (send right) */
#define BENCH_ID_PREPARE                                                                           \
    0x311u                  /* w[0] kind of the next objects, w[1] pool pages, w[2] reset log      \
                             */
#define BENCH_ID_LOG 0x312u /* reply: w[0] entries, the log as one OOL copy */
#define BENCH_ID_QUIT 0x313u

/* How the pager answers the data_requests of an object. */
enum bench_kind {
    BENCH_KIND_ZERO = 0,  /* data_unavailable: the kernel zero fills */
    BENCH_KIND_STORE = 1, /* a copy of the store page, moved with data_supply */
};

/* One logged data_request: TSC readings in the pager. */
struct bench_log_entry {
    uint64_t received; /* its receive returned */
    uint64_t answered; /* right before the answer entered the kernel */
    uint64_t returned; /* the answer's call returned to the pager */
};

/* The word that fills store page @index (the benchmark checks it). */
static inline uint64_t bench_store_word(uint64_t index)
{
    return 0x5704e00000000000ull | (index % BENCH_STORE_PAGES);
}

/* The pager's entry point (bench_fault_pager.c). */
int bench_pager_main(void);
/* The pager switch benchmark, "switch" (bench_switch.c, tools/bench switch). */
int bench_switch_main(void);
/*
 * Sort the @n @samples and print their median and p99 as a BENCH line of
 * @suite for @metric under @config, in icount ticks (bench_fault.c).
 */
void bench_report_samples(const char *suite, const char *metric, const char *config,
                          uint64_t *samples, unsigned n);

#endif
