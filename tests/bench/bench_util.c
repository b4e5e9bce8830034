/* The benchmark programs' shared helpers (bench_util.h). */
#include "bench_util.h"

#include <ipc/fmt.h>
#include <ipc/sys.h>

void bench_sort(uint64_t *a, unsigned n)
{
    for (unsigned gap = n / 2; gap > 0; gap /= 2)
        for (unsigned i = gap; i < n; i++) {
            uint64_t v = a[i];
            unsigned j = i;
            for (; j >= gap && a[j - gap] > v; j -= gap)
                a[j] = a[j - gap];
            a[j] = v;
        }
}

uint64_t bench_calibrate(void)
{
    uint64_t c0 = sys_clock_ns(), t0 = bench_rdtsc();
    sys_sleep_ns(20000000);
    uint64_t c1 = sys_clock_ns(), t1 = bench_rdtsc();
    return c1 > c0 ? (t1 - t0) * 1000000 / (c1 - c0) : 0;
}

void bench_report_fast_wall(const char *suite, const char *metric, uint64_t *samples, unsigned n,
                            uint64_t per, uint64_t tsc_per_ms)
{
    bench_sort(samples, n);
    uint64_t med = samples[n / 2] / per, p99 = samples[(uint64_t)n * 99 / 100] / per;
    uint64_t div = tsc_per_ms ? tsc_per_ms : 1;

    printf("BENCH %s metric=%s config=fast median=%lu p99=%lu n=%u unit=icount_ticks\n", suite,
           metric, (unsigned long)med, (unsigned long)p99, n);
    printf("BENCH %s metric=%s config=wall median=%lu p99=%lu n=%u unit=ns\n", suite, metric,
           (unsigned long)(med * 1000000 / div), (unsigned long)(p99 * 1000000 / div), n);
}
