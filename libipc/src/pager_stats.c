/*
 * The client side of pager_stats (ipc/pager_stats.h): the generated stub's
 * outputs of get, pool, policy and owner gathered in a struct each, and the
 * system pager's port.
 */
#include <ipc/ipc.h>
#include <ipc/pager_stats.h>
#include <naming_defs.h>
#include <pager_stats_defs.h>

_Static_assert(sizeof(((struct pager_stats_info *)0)->name) == PAGER_STATS_GET_NAME_MAX,
               "pager_stats_info.name holds the whole name");

int pager_stats_read(port_name_t pager, struct pager_stats_info *out)
{
    struct pager_stats_info *o = out;

    return pager_stats_get(pager, o->name, &o->objects, &o->resident, &o->stored, &o->requests,
                           &o->returns, &o->supplies, &o->unavailable, &o->errors, &o->disk,
                           &o->blocks, &o->used, &o->writes, &o->reads, &o->kept);
}

int pager_stats_pool_read(port_name_t pager, struct pager_pool_info *out)
{
    struct pager_pool_info *o = out;

    return pager_stats_pool(pager, &o->bytes, &o->capacity, &o->pages, &o->original, &o->hits,
                            &o->zero, &o->rejected, &o->evicted);
}

int pager_stats_policy_read(port_name_t pager, struct pager_policy_info *out)
{
    struct pager_policy_info *o = out;

    return pager_stats_policy(pager, &o->quota, &o->resident, &o->peak, &o->signals, &o->evictions,
                              &o->vetoes, &o->rounds);
}

int pager_stats_owner_read(port_name_t pager, uint64_t task, bool wait,
                           struct pager_owner_info *out)
{
    return pager_stats_owner(pager, task, wait, &out->counted, &out->objects, &out->blocks);
}

int pager_stats_system(port_name_t *out)
{
    return naming_lookup(ipc_bootstrap_port, PAGER_SYSTEM_NAME, out);
}
