/*
 * The region tree of an address map, private to vm_map.c and vm_map_tree.c:
 * an AVL tree of the map's regions by start address in which each node also
 * holds the largest size first-fit placement could put just below its region
 * and the largest such gap of its subtree. The regions are on the map's
 * address-ordered list as well; the inline helpers below walk that list.
 */
#ifndef KERNEL_VM_MAP_TREE_H
#define KERNEL_VM_MAP_TREE_H

#include <lib/lib.h>
#include <lib/list.h>
#include <vm/vm_map.h>

/* The range a region occupies, its stack guard page included. */
static inline vaddr_t region_low(const struct vm_region *r)
{
    return (r->flags & VM_REGION_STACK) ? r->start - PAGE_SIZE : r->start;
}

/* The region before @r in address order (@r NULL: the last one), or NULL. */
static inline struct vm_region *region_prev(struct vm_map *map, struct vm_region *r)
{
    struct list_node *n = (r ? &r->link : &map->regions)->prev;
    return n == &map->regions ? NULL : list_entry(n, struct vm_region, link);
}

/* The region after @r in address order (@r NULL: the first one), or NULL. */
static inline struct vm_region *region_next(struct vm_map *map, struct vm_region *r)
{
    struct list_node *n = (r ? &r->link : &map->regions)->next;
    return n == &map->regions ? NULL : list_entry(n, struct vm_region, link);
}

/* Enter @r, already on the map's list, into the tree; its successor's gap shrinks. */
void vm_map_tree_insert(struct vm_map *map, struct vm_region *r);
/* Take @r out of the tree (before it leaves the list). */
void vm_map_tree_remove(struct vm_map *map, struct vm_region *r);
/*
 * @r's gap changed (its predecessor or its guard page did): refresh it and
 * its ancestors. @r NULL: nothing to do.
 */
void vm_map_tree_gap_changed(struct vm_map *map, struct vm_region *r);
/* The region with the greatest start <= @va, or NULL. O(log n). */
struct vm_region *vm_map_tree_floor(struct vm_map *map, vaddr_t va);
/*
 * First fit: the start of the lowest gap below a region that holds @size
 * bytes and an unmapped page after them, or else the first address above the
 * last region (never below VM_ALLOC_BASE). The caller checks the user top.
 */
vaddr_t vm_map_tree_first_fit(struct vm_map *map, uint64_t size);

#endif
