/*
 * The region tree of an address map (vm_map_tree.h): an AVL tree of regions
 * by start address, rebalanced by rotations on insert and remove, in which
 * each node keeps the gap first-fit placement could use just below its region
 * and the largest gap of its subtree. Lookups, insertions, removals and
 * first-fit placement cost O(log n) in the number of regions.
 */
#include <lib/lib.h>
#include <vm/vm_map.h>
#include <vm/vm_map_tree.h>

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

void vm_map_tree_gap_changed(struct vm_map *map, struct vm_region *r)
{
    if (!r)
        return;
    r->gap = gap_of(map, r);
    for (struct vm_region *n = r; n; n = n->parent)
        tree_pull(n);
}

void vm_map_tree_insert(struct vm_map *map, struct vm_region *r)
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
    vm_map_tree_gap_changed(map, region_next(map, r));
}

void vm_map_tree_remove(struct vm_map *map, struct vm_region *r)
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

struct vm_region *vm_map_tree_floor(struct vm_map *map, vaddr_t va)
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

vaddr_t vm_map_tree_first_fit(struct vm_map *map, uint64_t size)
{
    struct vm_region *n = map->root;

    /* The lowest gap (with an unmapped page after it) large enough. */
    while (n && n->max_gap >= size) {
        if (max_gap_of(n->left) >= size)
            n = n->left;
        else if (n->gap >= size)
            break;
        else
            n = n->right;
    }
    if (n && n->max_gap >= size && n->gap >= size)
        return gap_start(map, n);
    return gap_start(map, NULL); /* above every region */
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
        if (r->start >= r->end || r->start < last_end || vm_map_tree_floor(map, r->start) != r)
            return -1;
        last_end = r->end;
        on_list++;
    }
    if (tree_check(map, map->root, NULL, 0, UINT64_MAX, &in_tree) < 0)
        return -1;
    return in_tree == on_list && on_list == map->nregions ? 0 : -1;
}
