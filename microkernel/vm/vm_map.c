/*
 * Address maps: the regions of a task and lookups for the fault handler.
 * Regions are on a list in address order (walks) and in an AVL tree by start
 * address (searches); each tree node also keeps the largest free gap of its
 * subtree, so first-fit placement (vm_map_find_space) descends the tree
 * instead of walking the list. Copies to and from user memory are in
 * vm_copy.c.
 */
#include <abi/errors.h>
#include <kern/kmalloc.h>
#include <kern/printk.h>
#include <lib/lib.h>
#include <vm/vm_map.h>
#include <vm/vm_object.h>

#define VM_USER_END (VM_STACK_TOP)

int vm_map_init(struct vm_map *map)
{
    list_init(&map->regions);
    map->root = NULL;
    map->hint = NULL;
    map->resident = 0;
    map->nregions = 0;
    list_init(&map->pins);
    map->pinned = 0;
    return mmu_space_create(&map->space) == MMU_OK ? 0 : -ERR_NOMEM;
}

/* --- the region tree --- */

/* The range a region occupies, its stack guard page included. */
static vaddr_t region_low(const struct vm_region *r)
{
    return (r->flags & VM_REGION_STACK) ? r->start - PAGE_SIZE : r->start;
}

/* The region before @r in address order (@r NULL: the last one), or NULL. */
static struct vm_region *region_prev(struct vm_map *map, struct vm_region *r)
{
    struct list_node *n = (r ? &r->link : &map->regions)->prev;
    return n == &map->regions ? NULL : list_entry(n, struct vm_region, link);
}

/* The region after @r in address order (@r NULL: the first one), or NULL. */
static struct vm_region *region_next(struct vm_map *map, struct vm_region *r)
{
    struct list_node *n = (r ? &r->link : &map->regions)->next;
    return n == &map->regions ? NULL : list_entry(n, struct vm_region, link);
}

/*
 * Where vm_map_find_space would place something just below @r: after the
 * guard page that follows the previous region, and never below
 * VM_ALLOC_BASE.
 */
static vaddr_t gap_start(struct vm_map *map, struct vm_region *r)
{
    struct vm_region *prev = region_prev(map, r); /* r NULL: above the last region */
    return prev && prev->end + PAGE_SIZE > VM_ALLOC_BASE ? prev->end + PAGE_SIZE : VM_ALLOC_BASE;
}

/* The largest size that fits below @r with a guard page after it (0: none). */
static uint64_t gap_of(struct vm_map *map, struct vm_region *r)
{
    vaddr_t from = gap_start(map, r), low = region_low(r);
    return low > from + PAGE_SIZE ? low - from - PAGE_SIZE : 0;
}

static int height_of(const struct vm_region *n)
{
    return n ? n->height : 0;
}

static uint64_t max_gap_of(const struct vm_region *n)
{
    return n ? n->max_gap : 0;
}

/* Recompute @n's height and subtree gap from its children. */
static void tree_pull(struct vm_region *n)
{
    n->height = 1 + MAX(height_of(n->left), height_of(n->right));
    n->max_gap = MAX(n->gap, MAX(max_gap_of(n->left), max_gap_of(n->right)));
}

/* In @parent (NULL: the root), let @new take the place of child @old. */
static void tree_replace(struct vm_map *map, struct vm_region *parent, struct vm_region *old,
                         struct vm_region *new)
{
    if (!parent)
        map->root = new;
    else if (parent->left == old)
        parent->left = new;
    else
        parent->right = new;
    if (new)
        new->parent = parent;
}

static struct vm_region *tree_rotate_left(struct vm_map *map, struct vm_region *x)
{
    struct vm_region *y = x->right;

    x->right = y->left;
    if (y->left)
        y->left->parent = x;
    tree_replace(map, x->parent, x, y);
    y->left = x;
    x->parent = y;
    tree_pull(x);
    tree_pull(y);
    return y;
}

static struct vm_region *tree_rotate_right(struct vm_map *map, struct vm_region *x)
{
    struct vm_region *y = x->left;

    x->left = y->right;
    if (y->right)
        y->right->parent = x;
    tree_replace(map, x->parent, x, y);
    y->right = x;
    x->parent = y;
    tree_pull(x);
    tree_pull(y);
    return y;
}

/* From @n up to the root: recompute, and rotate where a subtree leans by 2. */
static void tree_rebalance(struct vm_map *map, struct vm_region *n)
{
    while (n) {
        tree_pull(n);
        int balance = height_of(n->left) - height_of(n->right);
        if (balance > 1) {
            if (height_of(n->left->left) < height_of(n->left->right))
                tree_rotate_left(map, n->left);
            n = tree_rotate_right(map, n);
        } else if (balance < -1) {
            if (height_of(n->right->right) < height_of(n->right->left))
                tree_rotate_right(map, n->right);
            n = tree_rotate_left(map, n);
        }
        n = n->parent;
    }
}

/* @r's gap changed (its neighbour or its guard page did): refresh it and its ancestors. */
static void tree_gap_changed(struct vm_map *map, struct vm_region *r)
{
    if (!r)
        return;
    r->gap = gap_of(map, r);
    for (struct vm_region *n = r; n; n = n->parent)
        tree_pull(n);
}

/* Enter @r, already on the list, into the tree; its successor's gap shrinks. */
static void tree_insert(struct vm_map *map, struct vm_region *r)
{
    struct vm_region *parent = NULL, **link = &map->root;

    while (*link) {
        parent = *link;
        link = r->start < parent->start ? &parent->left : &parent->right;
    }
    r->left = r->right = NULL;
    r->parent = parent;
    r->gap = gap_of(map, r);
    *link = r;
    tree_rebalance(map, r);
    tree_gap_changed(map, region_next(map, r));
}

/* Take @r out of the tree (before it leaves the list). */
static void tree_remove(struct vm_map *map, struct vm_region *r)
{
    struct vm_region *fix;

    if (r->left && r->right) {
        /* Its successor in the tree takes its place. */
        struct vm_region *s = r->right;
        while (s->left)
            s = s->left;
        if (s->parent != r) {
            fix = s->parent;
            fix->left = s->right;
            if (s->right)
                s->right->parent = fix;
            s->right = r->right;
            r->right->parent = s;
        } else {
            fix = s;
        }
        s->left = r->left;
        r->left->parent = s;
        tree_replace(map, r->parent, r, s);
    } else {
        fix = r->parent;
        tree_replace(map, r->parent, r, r->left ? r->left : r->right);
    }
    tree_rebalance(map, fix);
}

/* The region with the greatest start <= @va, or NULL. */
static struct vm_region *tree_floor(struct vm_map *map, vaddr_t va)
{
    struct vm_region *n = map->root, *best = NULL;

    while (n) {
        if (n->start <= va) {
            best = n;
            n = n->right;
        } else {
            n = n->left;
        }
    }
    return best;
}

/* Check one subtree; its height, or -1. */
static int tree_check(struct vm_map *map, struct vm_region *n, struct vm_region *parent, vaddr_t lo,
                      vaddr_t hi, uint32_t *count)
{
    if (!n)
        return 0;
    if (n->parent != parent || n->start < lo || n->start > hi || n->gap != gap_of(map, n))
        return -1;
    int l = tree_check(map, n->left, n, lo, n->start, count);
    int r = tree_check(map, n->right, n, n->start, hi, count);
    if (l < 0 || r < 0 || l - r > 1 || r - l > 1 || n->height != 1 + MAX(l, r) ||
        n->max_gap != MAX(n->gap, MAX(max_gap_of(n->left), max_gap_of(n->right))))
        return -1;
    (*count)++;
    return n->height;
}

int vm_map_check(struct vm_map *map)
{
    uint32_t in_tree = 0, on_list = 0;
    vaddr_t last_end = 0;
    struct list_node *pos;

    list_for_each(pos, &map->regions)
    {
        struct vm_region *r = list_entry(pos, struct vm_region, link);
        if (r->start >= r->end || r->start < last_end || tree_floor(map, r->start) != r)
            return -1;
        last_end = r->end;
        on_list++;
    }
    if (tree_check(map, map->root, NULL, 0, UINT64_MAX, &in_tree) < 0)
        return -1;
    return in_tree == on_list && on_list == map->nregions ? 0 : -1;
}

/* --- the map --- */

/* The frames belong to the objects: tearing down the page tables only counts. */
static void count_unmapped(void *ctx, vaddr_t va, paddr_t pa)
{
    struct vm_map *map = ctx;
    (void)va, (void)pa;
    map->resident--;
}

static void region_free(struct vm_map *map, struct vm_region *r)
{
    struct vm_region *next = region_next(map, r);

    map->nregions--;
    tree_remove(map, r);
    list_remove(&r->link);
    tree_gap_changed(map, next); /* it now follows r's predecessor */
    list_remove(&r->obj_link);
    if (map->hint == r)
        map->hint = NULL;
    vm_object_unref(r->object);
    kfree(r);
}

void vm_map_destroy(struct vm_map *map)
{
    struct list_node *n;

    vm_map_unpin_all(map); /* no transfer can be running: its task is gone */
    if (mmu_current() == &map->space)
        mmu_switch(mmu_kernel_space());
    mmu_space_destroy(&map->space, count_unmapped, map);
    KASSERT(map->resident == 0);
    while ((n = map->regions.next) != &map->regions)
        region_free(map, list_entry(n, struct vm_region, link));
}

struct vm_region *vm_map_lookup(struct vm_map *map, vaddr_t va)
{
    if (map->hint && va >= map->hint->start && va < map->hint->end)
        return map->hint;
    struct vm_region *r = tree_floor(map, va);
    return r && va < r->end ? (map->hint = r) : NULL;
}

bool vm_map_is_guard(struct vm_map *map, vaddr_t va)
{
    struct vm_region *r = region_next(map, tree_floor(map, va)); /* the first above va */

    return r && (r->flags & VM_REGION_STACK) && va >= r->start - PAGE_SIZE && va < r->start;
}

void vm_map_set_stack(struct vm_map *map, struct vm_region *r)
{
    r->flags |= VM_REGION_STACK;
    tree_gap_changed(map, r); /* the guard page narrows the gap below it */
}

int vm_map_enter(struct vm_map *map, vaddr_t start, size_t size, unsigned prot,
                 struct vm_object *obj, uint64_t offset, struct vm_region **out)
{
    if (!size || (start | size) % PAGE_SIZE || start < VM_USER_BASE || start > VM_USER_END ||
        size > VM_USER_END - start)
        return -ERR_INVAL;
    /* The last region starting inside the range must end before it, and the
     * next one (with its guard page) must begin after it. */
    struct vm_region *prev = tree_floor(map, start + size - 1);
    struct vm_region *next = region_next(map, prev);
    if ((prev && prev->end > start) || (next && region_low(next) < start + size))
        return -ERR_BUSY;
    if (map->nregions >= VM_MAP_MAX_REGIONS)
        return -ERR_LIMIT;
    struct vm_region *r = kzalloc(sizeof(*r));
    if (!r)
        return -ERR_NOMEM;
    if (!obj && vm_object_create_kernel(size, NULL, 0, &obj) != 0) {
        kfree(r);
        return -ERR_NOMEM;
    }
    r->start = start;
    r->end = start + size;
    r->prot = prot;
    r->object = obj;
    r->offset = offset;
    r->map = map;
    list_push_back(&obj->mappings, &r->obj_link);
    map->nregions++;
    list_insert_between(&r->link, prev ? &prev->link : &map->regions,
                        next ? &next->link : &map->regions);
    tree_insert(map, r);
    if (map->wired)
        vm_object_wire(obj);
    if (out)
        *out = r;
    return 0;
}

void vm_map_wire(struct vm_map *map)
{
    struct list_node *pos;

    map->wired = true;
    list_for_each(pos, &map->regions)
        vm_object_wire(list_entry(pos, struct vm_region, link)->object);
}

int vm_map_find_space(struct vm_map *map, size_t size, vaddr_t *out)
{
    struct vm_region *n = map->root;
    vaddr_t candidate;

    if (!size)
        return -ERR_INVAL;
    /* First fit: the lowest gap (with an unmapped page after it) large enough. */
    while (n && n->max_gap >= size) {
        if (max_gap_of(n->left) >= size)
            n = n->left;
        else if (n->gap >= size)
            break;
        else
            n = n->right;
    }
    if (n && n->max_gap >= size && n->gap >= size)
        candidate = gap_start(map, n);
    else
        candidate = gap_start(map, NULL); /* above every region */
    if (size > VM_USER_END || candidate > VM_USER_END - size)
        return -ERR_NOSPACE;
    *out = candidate;
    return 0;
}

/* Unmap every resident page of @r, skipping absent page tables. */
static void region_unmap_pages(struct vm_map *map, struct vm_region *r)
{
    uint8_t bits[512];

    for (vaddr_t va = r->start; va < r->end; va += sizeof(bits) * PAGE_SIZE) {
        size_t n = MIN(sizeof(bits), (r->end - va) / PAGE_SIZE);
        if (!mmu_rm_collect(&map->space, va, n, bits, false))
            continue;
        for (size_t i = 0; i < n; i++) {
            if ((bits[i] & MMU_BIT_PRESENT) &&
                mmu_unmap(&map->space, va + i * PAGE_SIZE, NULL, NULL) == MMU_OK)
                map->resident--;
        }
    }
}

int vm_map_remove(struct vm_map *map, vaddr_t start, size_t size)
{
    struct vm_region *first = tree_floor(map, start), *r;
    vaddr_t covered = start;

    /* Check first: the range must be exactly a run of whole regions. */
    if (!size || !first || first->start != start)
        return -ERR_INVAL;
    for (r = first; r && r->start == covered && r->end <= start + size; r = region_next(map, r))
        covered = r->end;
    if (covered != start + size)
        return -ERR_INVAL;
    if (vm_map_pinned_in(map, start, start + size))
        return -ERR_BUSY; /* pinned pages stay where they are */
    for (r = first; r && r->start < start + size;) {
        struct vm_region *next = region_next(map, r);
        region_unmap_pages(map, r);
        mmu_trim(&map->space, r->start, (r->end - r->start) / PAGE_SIZE);
        region_free(map, r);
        r = next;
    }
    return 0;
}

bool vm_map_is_device(struct vm_map *map, vaddr_t va)
{
    struct vm_region *r = vm_map_lookup(map, va);
    return r && r->object->kind == VM_PAGER_DEVICE;
}

int vm_map_take_page(struct vm_map *map, vaddr_t va, paddr_t *frame)
{
    struct vm_region *r = vm_map_lookup(map, va);
    vaddr_t page = ALIGN_DOWN(va, PAGE_SIZE);
    struct vm_page *p = r ? vm_object_page_lookup(r->object, r->offset + (page - r->start)) : NULL;

    if (!p || !p->frame || (p->flags & VM_PAGE_BUSY))
        return -ERR_FAULT;
    if (mmu_unmap(&map->space, page, NULL, NULL) == MMU_OK)
        map->resident--;
    *frame = vm_object_page_remove(p);
    return 0;
}

int vm_map_insert_pages(struct vm_map *map, const paddr_t *frames, size_t n, unsigned prot,
                        vaddr_t *out)
{
    struct vm_region *r;
    vaddr_t va;
    int err = vm_map_find_space(map, n * PAGE_SIZE, &va);

    if (!err)
        err = vm_map_enter(map, va, n * PAGE_SIZE, prot, NULL, 0, &r);
    for (size_t i = 0; !err && i < n; i++) {
        struct vm_page *p = vm_object_page_insert(r->object, i * PAGE_SIZE, frames[i]);
        if (!p || mmu_map(&map->space, va + i * PAGE_SIZE, frames[i], prot) != MMU_OK) {
            vm_map_extract_pages(map, va, n, NULL);
            return -ERR_NOMEM;
        }
        p->flags |= VM_PAGE_PRECIOUS; /* its contents exist nowhere else */
        map->resident++;
    }
    if (!err)
        *out = va;
    return err;
}

void vm_map_extract_pages(struct vm_map *map, vaddr_t va, size_t n, paddr_t *frames)
{
    struct vm_region *r = vm_map_lookup(map, va);

    KASSERT(r && r->start == va);
    for (size_t i = 0; i < n; i++) {
        struct vm_page *p = vm_object_page_lookup(r->object, i * PAGE_SIZE);
        if (mmu_unmap(&map->space, va + i * PAGE_SIZE, NULL, NULL) == MMU_OK)
            map->resident--;
        paddr_t frame = p ? vm_object_page_remove(p) : 0;
        if (frames)
            frames[i] = frame;
    }
    vm_map_remove(map, va, n * PAGE_SIZE);
}
