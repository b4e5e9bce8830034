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

#endif
