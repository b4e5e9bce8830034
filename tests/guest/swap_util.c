/*
 * Helpers of the swap tests (swap_util.h).
 */
#include "swap_util.h"

#include <bstore_defs.h>
#include <ipc/ipc.h>
#include <ipc/pager_stats.h>
#include <ipc/sys.h>
#include <naming_defs.h>

static port_name_t sw_pager = PORT_NULL, sw_bstore = PORT_NULL;

/* Requests the backing-store server has served since boot (0 without one). */
static uint64_t sw_ios(void)
{
    uint64_t served = 0, inflight_max;

    if (sw_bstore == PORT_NULL && naming_lookup(ipc_bootstrap_port, "bstore", &sw_bstore) != 0)
        return 0;
    return bstore_stats(sw_bstore, &served, &inflight_max) == 0 ? served : 0;
}

int sw_stats(struct sw_stats *out)
{
    struct pager_stats_info st;
    struct pager_policy_info pi = {0};
    int err = sw_pager == PORT_NULL ? pager_stats_system(&sw_pager) : 0;

    if (err == 0)
        err = pager_stats_read(sw_pager, &st);
    if (err == 0 && pager_stats_policy_read(sw_pager, &pi) < 0)
        pi = (struct pager_policy_info){0};
    if (err < 0)
        return err;
    *out = (struct sw_stats){.disk = st.disk,
                             .blocks = st.blocks,
                             .free = st.blocks - st.used,
                             .writes = st.writes,
                             .reads = st.reads,
                             .kept = st.kept,
                             .quota = pi.quota,
                             .evictions = pi.evictions,
                             .rounds = pi.rounds,
                             .vetoes = pi.vetoes,
                             .requests = st.requests,
                             .returns = st.returns,
                             .ios = st.disk ? sw_ios() : 0};
    return 0;
}

uint64_t sw_returns(port_name_t pager)
{
    struct pager_stats_info st = {.returns = 0};

    pager_stats_read(pager, &st);
    return st.returns;
}

void sw_wait_returned(port_name_t pager, uint64_t r0, uint64_t n)
{
    while (pager != PORT_NULL && sw_returns(pager) - r0 < n)
        sys_yield();
}

/* Word @j of the stamp: the address, the counter and the word's index mixed. */
static uint64_t sw_word(uint64_t va, uint64_t n, uint64_t j)
{
    return (va ^ (n << 48) ^ (j << 40)) + 0x5a5a;
}

#define SW_STRIDE 67 /* words between two stamped words: they fall all over the page */

void sw_stamp(volatile uint64_t *page, uint64_t va, uint64_t n)
{
    for (uint64_t j = 0; j < PAGE_SIZE / 8; j += SW_STRIDE)
        page[j] = sw_word(va, n, j);
}

bool sw_stamped(volatile const uint64_t *page, uint64_t va, uint64_t n)
{
    for (uint64_t j = 0; j < PAGE_SIZE / 8; j += SW_STRIDE)
        if (page[j] != sw_word(va, n, j))
            return false;
    return true;
}

uint64_t sw_frames_total(void)
{
    struct vm_stat st;
    return sys_vm_stat(&st) == 0 ? st.frames_total : 0;
}
