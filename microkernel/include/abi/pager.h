/*
 * Constants of the pager protocol that both sides need beyond the message
 * layouts (libipc/idl/memory_object*.idl): the batch an evacuation hands
 * over at a time, and the statuses of evacuate_done (docs/pager.md,
 * "Changing pager").
 */
#ifndef ABI_PAGER_H
#define ABI_PAGER_H

#define EVACUATE_BATCH 16u  /* pages the kernel asks for with one evacuate */
#define EVACUATE_DONE 0u    /* evacuate_done: every page held was handed over */
#define EVACUATE_REFUSED 1u /* evacuate_done: the object stays with this pager */
#define EVACUATE_MORE 2u    /* evacuate_done: a batch handed over, more held */

/*
 * ready's attributes. MEMORY_OBJECT_READY_CLUSTER: the pager wants the
 * cluster hint in the access word of every data_request of the object: how
 * many pages next to the requested one the kernel does not hold (after it,
 * and before it), at most 15 each, so that a supply of a cluster around the
 * page is not refused for a resident one (docs/pager.md, "Clusters").
 */
#define MEMORY_OBJECT_READY_CLUSTER 0x1u
#define MEMORY_OBJECT_READY_ALL MEMORY_OBJECT_READY_CLUSTER

#define MEMORY_OBJECT_ACCESS_MASK 0xffu /* data_request's access: 1 read, 2 write, 3 execute */
#define MEMORY_OBJECT_CLUSTER_HINT(before, after)                                                  \
    ((unsigned)(after) << 16 | (unsigned)(before) << 24)
#define MEMORY_OBJECT_CLUSTER_AFTER(access) (((access) >> 16) & 0xffu)
#define MEMORY_OBJECT_CLUSTER_BEFORE(access) (((access) >> 24) & 0xffu)
/* data_request's access: the pager's objects hold their quota of frames (docs/pager.md). */
#define MEMORY_OBJECT_ACCESS_OVER_QUOTA 0x200u

/* memory_object_control quota: leave the quota as it is, only read the figures. */
#define QUOTA_KEEP (~0ull)

#endif
