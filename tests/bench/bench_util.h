/*
 * What the benchmark programs share: the timestamp around a sample, the
 * sort that gives its median and p99, the TSC rate against the kernel
 * clock, and the BENCH lines of a metric measured both in icount ticks
 * (config=fast) and in nanoseconds (config=wall).
 */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

#include <stdint.h>

/* The TSC: guest instructions under -icount shift=0, else host cycles. */
static inline uint64_t bench_rdtsc(void)
{
    uint32_t lo, hi;

    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi)::"memory");
    return (uint64_t)hi << 32 | lo;
}

/* Shell sort of @n samples (no recursion, no allocation). */
void bench_sort(uint64_t *a, unsigned n);

/* TSC ticks per millisecond of the kernel clock, over a 20 ms sleep (0 if the clock stood). */
uint64_t bench_calibrate(void);

/*
 * Sort the @n @samples and print metric @metric of suite @suite twice: its
 * median and p99, each divided by @per (the operations in one sample), in
 * ticks as config=fast and converted with @tsc_per_ms to nanoseconds as
 * config=wall. tools/bench keeps the line whose config matches the boot.
 */
void bench_report_fast_wall(const char *suite, const char *metric, uint64_t *samples, unsigned n,
                            uint64_t per, uint64_t tsc_per_ms);

#endif
