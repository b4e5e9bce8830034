/*
 * init's leak check around each program: count the free frames and the
 * system pager's free swap blocks (pager_stats) before it starts, wait after
 * it ends until both are back (the pager frees them asynchronously), and
 * report with a FAIL line whatever did not come back.
 */
#include "init.h"

#include <ipc/fmt.h>
#include <ipc/pager_stats.h>
#include <ipc/sys.h>

/* See init.h. */
uint64_t init_frames_free(void)
{
    struct vm_stat st;
    long err = sys_vm_stat(&st);

    if (err < 0) {
        printf("FAIL: init: vm_stat: %s\n", err_text(err));
        return 0;
    }
    return st.frames_free;
}

/* Free swap blocks of the system pager's disk, or 0 when it has none. */
static uint64_t init_swap_free(void)
{
    port_name_t pager = init_swap_pager_port();
    struct pager_stats_info st;

    if (pager == PORT_NULL || pager_stats_read(pager, &st) != 0)
        return 0;
    return st.blocks - st.used;
}

/*
 * The count @read gives, once it is back at @before or after @tries reads
 * @ns apart: the default pager hears that a program's objects are gone
 * (terminate) asynchronously, so the kernel messages saying so may still be
 * queued for a moment, and it frees their frames and swap blocks after.
 */
static uint64_t init_settled(uint64_t (*read)(void), uint64_t before, int tries, uint64_t ns)
{
    uint64_t now = read();

    for (int i = 0; i < tries && now != before; i++) {
        sys_sleep_ns(ns);
        now = read();
    }
    return now;
}

/*
 * A round trip to the system's pager, on the port where the kernel queues
 * its memory_object messages: when it answers, it has handled every
 * terminate queued before (one thread takes them in order), so the frames
 * and swap blocks of objects that are gone are free. An event, not a wait
 * for time.
 */
static void init_pager_sync(void)
{
    port_name_t pager = init_default_pager_port();
    struct pager_stats_info st;

    if (pager != PORT_NULL)
        pager_stats_read(pager, &st);
}

/* See init.h. */
void init_leak_count(struct init_leak_counts *before)
{
    init_pager_sync(); /* what the previous program or the pager's warm-up left is freed */
    sys_vm_stat(&before->kinds);
    before->frames = init_frames_free();
    before->swap = init_swap_free();
}

/* See init.h. */
void init_leak_settle(const struct init_leak_counts *before, struct init_leak_counts *after)
{
    init_pager_sync();
    after->frames = init_settled(init_frames_free, before->frames, 50, 2000000);
    after->swap = init_settled(init_swap_free, before->swap, 100, 10000000);
}

/* Print the FAIL line for frames that did not come back, by kind. */
static void init_leak_print_frames(const char *name, const struct init_leak_counts *before,
                                   struct init_leak_counts *after)
{
    sys_vm_stat(&after->kinds);
    printf("FAIL: init: %s leaked %ld frames (kernel %+ld, page tables %+ld, stacks %+ld, "
           "user %+ld)\n",
           name, (long)(before->frames - after->frames),
           (long)(after->kinds.frames_kernel - before->kinds.frames_kernel),
           (long)(after->kinds.frames_table - before->kinds.frames_table),
           (long)(after->kinds.frames_kstack - before->kinds.frames_kstack),
           (long)(after->kinds.frames_user - before->kinds.frames_user));
}

/* See init.h. */
int init_leak_check(const char *name, const struct init_leak_counts *before,
                    struct init_leak_counts *after)
{
    if (after->frames != before->frames) {
        init_leak_print_frames(name, before, after);
        return 1;
    }
    if (after->swap != before->swap) {
        printf("FAIL: init: %s leaked %ld swap blocks\n", name, (long)(before->swap - after->swap));
        return 1;
    }
    printf("init: %s: frames back to %lu\n", name, (unsigned long)after->frames);
    if (init_swap_pager_port() != PORT_NULL)
        printf("init: %s: swap blocks back to %lu free\n", name, (unsigned long)after->swap);
    return 0;
}
