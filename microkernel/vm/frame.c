/*
 * The frame table and the physical frame allocator. The table has one
 * struct frame per physical page up to the highest usable address and is
 * carved out of the first free range large enough to hold it. Free frames
 * form a LIFO list threaded through the table, so allocation and release
 * are O(1).
 */
#include <abi/errors.h>
#include <kern/printk.h>
#include <lib/lib.h>
#include <vm/frame.h>

#define NO_FRAME 0xffffffffu

uintptr_t hhdm_base = BOOT_HHDM_BASE;

static struct frame *table;
static uint64_t table_frames; /* entries in table */
static uint32_t free_head = NO_FRAME;
static uint64_t free_count;
static uint64_t state_count[FRAME_USER + 1];
static uint64_t total_count;
static void *side_table;
static uint64_t laundry_count, laundry_ordinary;
static uint64_t watch_level;
static void (*watch_fn)(void);

static uint64_t highest_usable(const struct boot_mem_range *r, size_t count)
{
    uint64_t top = 0;

    for (size_t i = 0; i < count; i++)
        if (r[i].type == BOOT_MEM_FREE || r[i].type == BOOT_MEM_LOADER ||
            r[i].type == BOOT_MEM_ACPI_RECLAIM)
            top = MAX(top, r[i].base + r[i].pages * PAGE_SIZE);
    return top;
}

/* Find a free range for the table; returns its physical base or 0. */
static paddr_t place_table(const struct boot_mem_range *r, size_t count, uint64_t bytes)
{
    for (size_t i = 0; i < count; i++)
        if (r[i].type == BOOT_MEM_FREE && r[i].base != 0 && r[i].pages * PAGE_SIZE >= bytes)
            return r[i].base;
    return 0;
}

static void free_push(uint64_t index)
{
    table[index].state = FRAME_FREE;
    table[index].flags = 0;
    table[index].owner = NULL;
    table[index].next_free = free_head;
    free_head = (uint32_t)index;
    free_count++;
}

int frame_init(const struct boot_mem_range *r, size_t count, uint64_t limit, size_t side_bytes)
{
    table_frames = highest_usable(r, count) / PAGE_SIZE;
    uint64_t table_bytes = ALIGN_UP(table_frames * (sizeof(struct frame) + side_bytes), PAGE_SIZE);
    paddr_t table_pa = place_table(r, count, table_bytes);

    if (!table_pa)
        return -ERR_NOMEM;
    table = phys_to_virt(table_pa);
    side_table = side_bytes ? (void *)(table + table_frames) : NULL;
    free_head = NO_FRAME;
    free_count = 0;
    laundry_count = laundry_ordinary = 0;
    watch_fn = NULL;
    memset(state_count, 0, sizeof(state_count));
    memset(table, 0, table_bytes); /* every frame FRAME_RESERVED, side entries zero */

    /* Push from the top so that low frames come out first; with a limit,
     * the highest usable frames are left reserved. */
    uint64_t usable = 0;
    for (int pass = 0; pass < 2; pass++) {
        uint64_t skip = (pass == 1 && limit && usable > limit) ? usable - limit : 0;
        for (size_t i = count; i-- > 0;) {
            if (r[i].type != BOOT_MEM_FREE)
                continue;
            for (uint64_t p = r[i].pages; p-- > 0;) {
                paddr_t pa = r[i].base + p * PAGE_SIZE;
                if (pa == 0 || (pa >= table_pa && pa < table_pa + table_bytes) ||
                    pa / PAGE_SIZE >= table_frames)
                    continue;
                if (pass == 0)
                    usable++;
                else if (skip)
                    skip--;
                else
                    free_push(pa / PAGE_SIZE);
            }
        }
    }
    total_count = free_count;
    return 0;
}

/*
 * Make free frame @index, already off the free list, a frame in @state for
 * @owner. Inlined: frame_alloc is on every fault's path.
 */
static inline __attribute__((always_inline)) void frame_take(uint32_t index, enum frame_state state,
                                                             void *owner)
{
    struct frame *f = &table[index];

    KASSERT(f->state == FRAME_FREE && free_count > 0);
    KASSERT(state != FRAME_FREE && state != FRAME_RESERVED);
    free_count--;
    f->state = state;
    state_count[state]++;
    f->acct = acct_current();
    acct_frames(f->acct, state, 1);
    f->owner = owner;
    f->pin_count = 0;
    f->flags = 0;
}

paddr_t frame_alloc(enum frame_state state, void *owner)
{
    if (free_head == NO_FRAME)
        return 0;
    uint32_t index = free_head;

    free_head = table[index].next_free;
    frame_take(index, state, owner);
    if (free_count + 1 == watch_level && watch_fn)
        watch_fn();
    return (paddr_t)index * PAGE_SIZE;
}

paddr_t frame_alloc_contig(uint64_t count, enum frame_state state)
{
    uint64_t start = 0, run = 0;

    KASSERT(count > 0);
    for (uint64_t i = 0; i < table_frames && run < count; i++) {
        if (table[i].state != FRAME_FREE)
            run = 0;
        else if (run++ == 0)
            start = i;
    }
    if (run < count)
        return 0;
    /* Unlink the run's frames wherever the list holds them. */
    for (uint32_t *link = &free_head; *link != NO_FRAME;) {
        uint32_t i = *link;
        if (i < start || i - start >= count) {
            link = &table[i].next_free;
            continue;
        }
        *link = table[i].next_free;
        frame_take(i, state, NULL);
    }
    if (free_count < watch_level && free_count + count >= watch_level && watch_fn)
        watch_fn();
    return (paddr_t)start * PAGE_SIZE;
}

void frame_free(paddr_t pa)
{
    uint64_t index = pa / PAGE_SIZE;

    KASSERT(index < table_frames && (pa % PAGE_SIZE) == 0);
    KASSERT(table[index].state != FRAME_FREE && table[index].state != FRAME_RESERVED);
    KASSERT(table[index].pin_count == 0);
    state_count[table[index].state]--;
    acct_frames(table[index].acct, table[index].state, -1);
    bool laundry = table[index].flags & FRAME_FLAG_LAUNDRY;
    if (laundry)
        laundry_count--;
    if (table[index].flags & FRAME_FLAG_LAUNDRY_ORDINARY)
        laundry_ordinary--;
    free_push(index);
    if ((laundry || free_count == watch_level) && watch_fn)
        watch_fn();
}

paddr_t frame_alloc_zeroed(enum frame_state state, void *owner)
{
    bool zero = free_head != NO_FRAME && (table[free_head].flags & FRAME_FLAG_ZERO);
    paddr_t pa = frame_alloc(state, owner);

    if (pa && !zero)
        memset(phys_to_virt(pa), 0, PAGE_SIZE);
    return pa;
}

void frame_free_zeroed(paddr_t pa)
{
    frame_free(pa);
    table[pa / PAGE_SIZE].flags = FRAME_FLAG_ZERO;
}

void frame_charge(paddr_t pa, uint32_t slot)
{
    struct frame *f = frame_of(pa);

    KASSERT(f && f->state != FRAME_FREE && f->state != FRAME_RESERVED && slot < ACCT_SLOTS);
    if (f->acct == slot)
        return;
    acct_frames(f->acct, f->state, -1);
    acct_frames(slot, f->state, 1);
    f->acct = slot;
}

struct frame *frame_of(paddr_t pa)
{
    uint64_t index = pa / PAGE_SIZE;
    return index < table_frames ? &table[index] : NULL;
}

uint64_t frame_free_count(void)
{
    return free_count;
}

uint64_t frame_state_count(enum frame_state state)
{
    return state <= FRAME_USER ? state_count[state] : 0;
}

uint64_t frame_total_count(void)
{
    return total_count;
}

void *frame_side_table(void)
{
    return side_table;
}

uint64_t frame_table_size(void)
{
    return table_frames;
}

void frame_watch(uint64_t level, void (*fn)(void))
{
    watch_level = level;
    watch_fn = fn;
}

void frame_laundry_mark(paddr_t pa, bool ordinary)
{
    struct frame *f = frame_of(pa);

    KASSERT(f && f->state == FRAME_USER);
    if (!(f->flags & FRAME_FLAG_LAUNDRY)) {
        f->flags |= FRAME_FLAG_LAUNDRY | (ordinary ? FRAME_FLAG_LAUNDRY_ORDINARY : 0);
        laundry_count++;
        laundry_ordinary += ordinary;
    }
}

void frame_laundry_clear(paddr_t pa)
{
    struct frame *f = frame_of(pa);

    KASSERT(f && f->state != FRAME_FREE);
    if (f->flags & FRAME_FLAG_LAUNDRY) {
        laundry_ordinary -= !!(f->flags & FRAME_FLAG_LAUNDRY_ORDINARY);
        f->flags &= ~(FRAME_FLAG_LAUNDRY | FRAME_FLAG_LAUNDRY_ORDINARY);
        laundry_count--;
        if (watch_fn)
            watch_fn();
    }
}

uint64_t frame_laundry_count(void)
{
    return laundry_count;
}

uint64_t frame_laundry_ordinary_count(void)
{
    return laundry_ordinary;
}

/* The free list: as long as free_count, only free, unpinned, unowned frames. */
static const char *free_list_check(void)
{
    uint64_t n = 0;

    for (uint32_t i = free_head; i != NO_FRAME; i = table[i].next_free) {
        if (i >= table_frames || n++ >= free_count)
            return "free list longer than the free count or out of the table";
        if (table[i].state != FRAME_FREE || table[i].pin_count || table[i].owner ||
            (table[i].flags & ~FRAME_FLAG_ZERO))
            return "a frame on the free list is not a clean free frame";
    }
    return n == free_count ? NULL : "free list shorter than the free count";
}

const char *frame_check(void)
{
    uint64_t count[FRAME_USER + 1] = {0}, laundry = 0, ordinary = 0;

    for (uint64_t i = 0; i < table_frames; i++) {
        if (table[i].state > FRAME_USER)
            return "a frame in no known state";
        count[table[i].state]++;
        if (table[i].flags & FRAME_FLAG_LAUNDRY) {
            if (table[i].state != FRAME_USER)
                return "a laundry frame that is not a user frame";
            laundry++;
        }
        if (table[i].flags & FRAME_FLAG_LAUNDRY_ORDINARY) {
            if (!(table[i].flags & FRAME_FLAG_LAUNDRY))
                return "a frame on its way to an ordinary pager that is not laundry";
            ordinary++;
        }
    }
    if (count[FRAME_FREE] != free_count)
        return "free frames differ from the free count";
    uint64_t usable = count[FRAME_FREE];
    for (int s = FRAME_KERNEL; s <= FRAME_USER; s++) {
        if (count[s] != state_count[s])
            return "frames in a state differ from its count";
        usable += count[s];
    }
    if (usable != total_count)
        return "frames in use and free do not add up to the usable frames";
    if (laundry != laundry_count || ordinary != laundry_ordinary)
        return "laundry frames differ from the laundry counts";
    return free_list_check();
}
