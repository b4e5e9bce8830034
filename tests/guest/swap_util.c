/*
 * Helpers of the swap tests (swap_util.h).
 */
#include "swap_util.h"

#include <default_pager_defs.h>
#include <ipc/ipc.h>
#include <ipc/sys.h>
#include <naming_defs.h>

static port_name_t sw_pager = PORT_NULL;

int sw_stats(struct sw_stats *out)
{
    if (sw_pager == PORT_NULL) {
        int err = naming_lookup(ipc_bootstrap_port, "default_pager", &sw_pager);
        if (err < 0)
            return err;
    }
    return default_pager_swap_stats(sw_pager, &out->disk, &out->blocks, &out->free, &out->writes,
                                    &out->reads, &out->kept);
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
