/*
 * Per-task address maps: a sorted list of regions, each a virtual range that
 * maps a memory object at an offset with a protection, also kept in a
 * balanced tree so that lookups, insertions and first-fit placement cost
 * O(log n) in the number of regions. The map owns the task's MMU space; the
 * pages belong to the objects.
 */
#ifndef KERNEL_VM_MAP_H
#define KERNEL_VM_MAP_H

#include <lib/list.h>
#include <mmu.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VM_USER_BASE 0x10000ULL             /* lowest mappable address (NULL pages stay invalid) */
#define VM_ALLOC_BASE 0x0000100000000000ULL /* where vm_allocate starts looking */
#define VM_STACK_TOP 0x00007ffffffff000ULL  /* one page below the user top */
#define VM_STACK_LIMIT (8ULL << 20)         /* default stack size limit */
#define VM_MAP_MAX_REGIONS 16384u           /* bounds the kernel memory a task can use */
#define VM_PIN_MAX_PAGES 1024u              /* pages a task may pin at once */

#define VM_REGION_STACK 0x1u /* the page below it is a guard page */

struct vm_object;

struct vm_region {
    struct list_node link; /* in vm_map.regions, sorted by start */
    /* The map's balanced search tree (AVL) over the same regions, by start. */
    struct vm_region *left, *right, *parent;
    int height;
    uint64_t gap;              /* the largest size vm_map_find_space could place just below it */
    uint64_t max_gap;          /* the largest gap in its subtree */
    vaddr_t start, end;        /* page aligned, end exclusive */
    unsigned prot;             /* MMU_PROT_* */
    unsigned flags;            /* VM_REGION_* */
    struct vm_object *object;  /* one reference */
    uint64_t offset;           /* object offset mapped at start */
    struct list_node obj_link; /* in object->mappings */
    struct vm_map *map;
};

struct vm_map {
    struct mmu_space space;
    struct list_node regions; /* in address order: for walks */
    struct vm_region *root;   /* the same regions as a tree: for searches, O(log n) */
    struct vm_region *hint;   /* last region found by lookup */
    uint64_t resident;        /* user pages mapped */
    uint32_t nregions;
    struct list_node pins; /* struct vm_pin (vm_pin.c) */
    uint32_t pinned;       /* pages pinned */
    bool wired;            /* every object it maps is wired (vm_map_wire) */
    uint32_t acct;         /* its task's account: page tables, objects made for it */
};

/* Set up an empty map with a fresh MMU space. 0 or -ERR_NOMEM. */
int vm_map_init(struct vm_map *map);
/* Free every page and region and the MMU space. The space must not be current. */
void vm_map_destroy(struct vm_map *map);
/*
 * mmu_map in @map's space, any page table it needs charged to the map's
 * account (whoever's thread runs: a pager supplies into its client's map).
 */
int vm_map_mmu_map(struct vm_map *map, vaddr_t va, paddr_t pa, unsigned prot);

/*
 * Add a region [@start, @start + @size) mapping @obj from @offset, or a new
 * zero-fill object when @obj is NULL. Fails with -ERR_INVAL (misaligned,
 * empty, outside the user range), -ERR_BUSY (overlaps a region or a stack
 * guard page), -ERR_LIMIT (VM_MAP_MAX_REGIONS) or -ERR_NOMEM. On success the region holds the
 * reference to
 * @obj the caller passed, and *@out (if not NULL) is the region.
 */
int vm_map_enter(struct vm_map *map, vaddr_t start, size_t size, unsigned prot,
                 struct vm_object *obj, uint64_t offset, struct vm_region **out);
/*
 * Could a region [@start, @start + @size) be entered now? The checks of
 * vm_map_enter (all its errors but -ERR_NOMEM), made before a caller creates
 * the object the region would map: check first, create after.
 */
int vm_map_can_enter(struct vm_map *map, vaddr_t start, size_t size);
/* Find a free range of @size bytes at or above VM_ALLOC_BASE. 0, -ERR_INVAL (size 0) or
 * -ERR_NOSPACE. */
int vm_map_find_space(struct vm_map *map, size_t size, vaddr_t *out);
/*
 * Remove the regions exactly covering [@start, @start + @size), freeing their
 * pages. 0, -ERR_INVAL (not whole regions) or -ERR_BUSY (pinned pages).
 */
int vm_map_remove(struct vm_map *map, vaddr_t start, size_t size);
/*
 * The task of @map is ending and the current thread is its last: remove its
 * regions one at a time, with a preemption point between two (a task may
 * hold VM_MAP_MAX_REGIONS), so that vm_map_destroy has little left to do in
 * one stretch. Regions holding pins stay for vm_map_destroy, which releases
 * them after the task's DMA has stopped.
 */
void vm_map_drain(struct vm_map *map);
/* The checks of vm_map_remove alone: 0, -ERR_INVAL or -ERR_BUSY. */
int vm_map_remove_check(struct vm_map *map, vaddr_t start, size_t size);
/* The region holding @va, or else the first one above it, or NULL. O(log n). */
struct vm_region *vm_map_lookup_from(struct vm_map *map, vaddr_t va);
/*
 * Take the resident page at @va out of @map: unmap it and remove it from its
 * object; its frame is returned in *@frame. -ERR_FAULT if it is not resident.
 */
int vm_map_take_page(struct vm_map *map, vaddr_t va, paddr_t *frame);
/*
 * Map the frames @frames[0..@n) at a fresh range as a new zero-fill region
 * that owns them. Returns 0 and the address in *@out, or -ERR_NOMEM /
 * -ERR_NOSPACE with the frames not taken.
 */
int vm_map_insert_pages(struct vm_map *map, const paddr_t *frames, size_t n, unsigned prot,
                        vaddr_t *out);
/* Undo vm_map_insert_pages: take the @n frames back and remove the region at @va. */
void vm_map_extract_pages(struct vm_map *map, vaddr_t va, size_t n, paddr_t *frames);

/*
 * Pin [@va, @va + @size): fault every page in and lock its frame (never
 * evicted, flushed or moved) until vm_map_unpin of the same range. 0,
 * -ERR_INVAL, -ERR_FAULT (a page that cannot be made resident), -ERR_LIMIT
 * (more than VM_PIN_MAX_PAGES pinned) or -ERR_NOMEM. May wait for a pager.
 */
int vm_map_pin(struct vm_map *map, vaddr_t va, size_t size);
/* Undo the vm_map_pin of exactly this range. 0 or -ERR_NOENT. */
int vm_map_unpin(struct vm_map *map, vaddr_t va, size_t size);
/* Does a pin overlap [@start, @end)? */
bool vm_map_pinned_in(struct vm_map *map, vaddr_t start, vaddr_t end);
/* Release every pin (the map is being destroyed). */
void vm_map_unpin_all(struct vm_map *map);

/* Make @r (of @map) a stack region: the page below it becomes its guard page. */
void vm_map_set_stack(struct vm_map *map, struct vm_region *r);

/* Check the invariants of @map's list and tree (order, balance, gaps). 0 or -1. */
int vm_map_check(struct vm_map *map);

/*
 * Wire @map: the objects it maps, now and later, are never chosen by pageout.
 * For the tasks pageout depends on (pagers, drivers, init): their memory
 * stays put, so that they run without waiting when memory is short.
 */
void vm_map_wire(struct vm_map *map);

/* Is @va in device memory (a region of a device memory object)? */
bool vm_map_is_device(struct vm_map *map, vaddr_t va);

/* The region containing @va, or NULL. */
struct vm_region *vm_map_lookup(struct vm_map *map, vaddr_t va);
/* True when @va lies in the guard page below a stack region. */
bool vm_map_is_guard(struct vm_map *map, vaddr_t va);

#endif
