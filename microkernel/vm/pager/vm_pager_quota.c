/*
 * Frame quotas: a pager asks that the objects it serves hold at most a
 * number of resident pages (local allocation, docs/pager.md "Frame quota").
 * The kernel counts their resident pages, marks a data_request sent while
 * they hold the quota (the pager evicts one of its own pages first), and
 * records the most that were resident at once. The quota never blocks a
 * fault: whatever the pager answers is taken, so a pager that ignores the
 * mark only goes over its quota, and global pageout still guards the system.
 */
#include <abi/errors.h>
#include <abi/pager.h>
#include <ipc/ipc.h>
#include <memory_object_control_kserver.h>
#include <vm/pager/vm_pager_internal.h>
#include <vm/vm_object.h>

/* Resident pages of the objects @pager serves (one step per object). */
static uint64_t quota_resident(const struct port *pager)
{
    uint64_t n = 0;
    const struct list_node *pos;

    list_for_each(pos, &pager->pager_objects) n +=
        list_entry(pos, struct vm_object, pager_link)->resident;
    return n;
}

unsigned vm_pager_quota_access(struct vm_object *obj, unsigned access)
{
    struct port *pager = obj->pager;

    if (!pager || !pager->pager_quota || quota_resident(pager) < pager->pager_quota)
        return access;
    pager->pager_quota_signals++;
    return access | MEMORY_OBJECT_ACCESS_OVER_QUOTA;
}

void vm_pager_quota_filled(struct vm_object *obj)
{
    struct port *pager = obj->pager;

    if (pager && pager->pager_quota)
        pager->pager_quota_peak = MAX(pager->pager_quota_peak, quota_resident(pager));
}

/*
 * quota: set (or with QUOTA_KEEP only read) the quota of @obj's pager; a new
 * quota starts its peak at the pages resident now and its signals at 0.
 */
int vm_pager_control_quota(struct vm_object *obj, uint64_t quota, uint64_t *resident,
                           uint64_t *peak, uint64_t *signals)
{
    struct port *pager = obj->pager;

    if (!pager)
        return -ERR_DEAD;
    *resident = quota_resident(pager);
    if (quota != QUOTA_KEEP) {
        pager->pager_quota = quota;
        pager->pager_quota_peak = *resident;
        pager->pager_quota_signals = 0;
    }
    *peak = pager->pager_quota_peak;
    *signals = pager->pager_quota_signals;
    return 0;
}
