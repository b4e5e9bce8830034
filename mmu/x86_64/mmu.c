/*
 * The x86-64 MMU handler: 4-level page tables, PCID-tagged address spaces and
 * the TLB invalidations every change needs. This is the only file that knows
 * the page-table entry format; everything else sees mmu.h. Page-table frames
 * come from mmu_env_*, privileged instructions go through mmu_hw_*.
 */
#include "mmu.h"
#include "mmu_x86_64.h"

#define PML4_KERNEL_FIRST 256u  /* first PML4 slot of the kernel half */
#define PHYS_LIMIT (1ULL << 52) /* architectural MAXPHYADDR limit */
#define PCID_COUNT 4096u

/*
 * Levels are numbered as the SDM counts them (mmu_x86_64.h). An entry at
 * level 3 or 2 with PS set is a large leaf (1 GiB or 2 MiB); only the loader
 * makes those, and only in the kernel half.
 */

static struct mmu_space kernel_space;
static bool pcid_on;
static uint64_t pcid_used[PCID_COUNT / 64]; /* bit set = PCID taken; PCID 0 always taken */

static uint64_t *mmu_table(paddr_t pa)
{
    return mmu_env_phys_to_virt(pa & PTE_ADDR);
}

static bool mmu_is_canonical_page(vaddr_t va)
{
    return (va & (PAGE_SIZE - 1)) == 0 && (va < MMU_USER_TOP || va >= MMU_KERNEL_BOTTOM);
}

/* @va is page aligned and in the half @space may change. */
static bool mmu_va_owned(const struct mmu_space *space, vaddr_t va)
{
    if (va & (PAGE_SIZE - 1))
        return false;
    return space->is_kernel ? va >= MMU_KERNEL_BOTTOM : va < MMU_USER_TOP;
}

/* [@va, @va + @npages pages) lies entirely in the half @space may change. */
static bool mmu_range_owned(const struct mmu_space *space, vaddr_t va, size_t npages)
{
    if (!mmu_va_owned(space, va))
        return false;
    uint64_t room = space->is_kernel ? (0 - va) >> PAGE_SHIFT : (MMU_USER_TOP - va) >> PAGE_SHIFT;
    return npages <= room;
}

/*
 * Walk from @root towards @va and return the deepest entry reached: a PT entry
 * (level 1, present or not), a large leaf, or a non-present entry at a higher
 * level (the table below it is missing). Stores that entry's level in *@level.
 */
static uint64_t *mmu_entry_find(paddr_t root, vaddr_t va, int *level)
{
    uint64_t *table = mmu_table(root);
    int l = 4;

    for (;;) {
        uint64_t *e = &table[pte_index(va, l)];
        if (l == 1 || !(*e & PTE_P) || (l <= 3 && (*e & PTE_PS))) {
            *level = l;
            return e;
        }
        table = mmu_table(*e);
        l--;
    }
}

static uint64_t mmu_leaf_flags(vaddr_t va, unsigned prot)
{
    uint64_t flags = PTE_P;

    if (prot & MMU_PROT_WRITE)
        flags |= PTE_RW;
    if (!(prot & MMU_PROT_EXEC))
        flags |= PTE_NX;
    if (prot & MMU_PROT_NOCACHE)
        flags |= PTE_PCD | PTE_PWT;
    flags |= va < MMU_USER_TOP ? PTE_US : PTE_G;
    return flags;
}

static unsigned mmu_prot_of(uint64_t e)
{
    unsigned prot = MMU_PROT_READ;

    if (e & PTE_RW)
        prot |= MMU_PROT_WRITE;
    if (!(e & PTE_NX))
        prot |= MMU_PROT_EXEC;
    if (e & PTE_PCD)
        prot |= MMU_PROT_NOCACHE;
    return prot;
}

static unsigned mmu_bits_of(uint64_t e)
{
    unsigned bits = (e & PTE_P) ? MMU_BIT_PRESENT : 0;

    if (e & PTE_A)
        bits |= MMU_BIT_REF;
    if (e & PTE_D)
        bits |= MMU_BIT_MOD;
    return bits;
}

/* The 4 KiB frame that leaf @e at @level maps for @va (bit 12 of a large leaf is PAT). */
static paddr_t mmu_frame_of(uint64_t e, int level, vaddr_t va)
{
    uint64_t span = pte_span(level);

    return (e & PTE_ADDR & ~(span - 1)) + (va & (span - 1) & ~(PAGE_SIZE - 1));
}

static struct mmu_batch *batch_open_on[32]; /* per CPU: its open batch (mmu_batch_begin) */
static struct mmu_batch_stat batch_stat;

/* Record in @b that the CPUs of @others must drop @va of user space @space. */
static void mmu_batch_record(struct mmu_batch *b, struct mmu_space *space, vaddr_t va,
                             uint32_t others)
{
    b->cpus |= others;
    if (b->pages < MMU_BATCH_MAX) {
        b->page[b->pages].space = space;
        b->page[b->pages].va = va;
    }
    b->pages++;
}

/*
 * Make the TLB forget @va in @space after its entry changed, on every CPU,
 * before the caller goes on (a frame unmapped here may be reused next). The
 * kernel half is global (invlpg drops global entries in every PCID): every
 * other running CPU is interrupted to drop it too. A user space is
 * invalidated directly where it is loaded (here, and through an interrupt
 * on each other CPU that has it in CR3); under PCIDs every other CPU may
 * still cache its entries, so each flushes it at its next switch to it.
 * While a batch is open on this CPU, what other CPUs owe is recorded in it
 * instead (mmu_batch_begin).
 */
static void mmu_tlb_invalidate(struct mmu_space *space, vaddr_t va)
{
    unsigned cpu = mmu_env_cpu();
    uint32_t self = 1u << cpu, others;

    if (space->is_kernel) {
        mmu_hw_invlpg(va);
        others = mmu_env_cpus() & ~self;
    } else {
        uint32_t loaded = __atomic_load_n(&space->loaded_on, __ATOMIC_ACQUIRE);
        struct mmu_batch *b = batch_open_on[cpu];
        if (loaded & self)
            mmu_hw_invlpg(va);
        others = loaded & ~self;
        if (pcid_on)
            __atomic_fetch_or(&space->tlb_stale, b && others ? ~self : ~loaded, __ATOMIC_RELEASE);
        if (b && others) {
            mmu_batch_record(b, space, va, others);
            return;
        }
    }
    if (others)
        mmu_env_shootdown(others, space, va);
}

void mmu_batch_begin(struct mmu_batch *b)
{
    unsigned cpu = mmu_env_cpu();

    b->cpus = 0;
    b->pages = 0;
    b->cpu = cpu;
    b->open = true;
    batch_open_on[cpu] = b;
}

void mmu_batch_end(struct mmu_batch *b)
{
    if (!b->open)
        return;
    b->open = false;
    batch_open_on[b->cpu] = NULL;
    uint32_t self = 1u << mmu_env_cpu(), cpus = b->cpus & ~self;
    if (b->cpus & self) /* (ended on another CPU than it was opened on: it is done here) */
        mmu_shootdown_batch(b);
    if (cpus) {
        batch_stat.batches++;
        batch_stat.pages += b->pages;
        mmu_env_shootdown_batch(cpus, b);
    }
    b->cpus = 0;
    b->pages = 0;
}

void mmu_shootdown_batch(const struct mmu_batch *b)
{
    struct mmu_space *loaded = mmu_env_loaded();

    if (!loaded || loaded->is_kernel)
        return; /* a user space it had is flushed at its next switch to it */
    if (b->pages > MMU_BATCH_MAX) {
        mmu_hw_write_cr3(loaded->root | (pcid_on ? loaded->pcid : 0)); /* all of it */
        return;
    }
    for (uint32_t i = 0; i < b->pages; i++)
        if (b->page[i].space == loaded)
            mmu_hw_invlpg(b->page[i].va);
}

struct mmu_batch_stat mmu_batch_stat(void)
{
    return batch_stat;
}

void mmu_shootdown(struct mmu_space *space, vaddr_t va)
{
    if (va == MMU_SHOOTDOWN_UNLOAD) {
        if (mmu_env_loaded() == space)
            mmu_switch(&kernel_space);
    } else if (space->is_kernel || mmu_env_loaded() == space) {
        mmu_hw_invlpg(va);
    }
}

static uint16_t mmu_pcid_alloc(void)
{
    for (unsigned w = 0; w < PCID_COUNT / 64; w++) {
        if (pcid_used[w] == ~0ULL)
            continue;
        unsigned b = (unsigned)__builtin_ctzll(~pcid_used[w]);
        pcid_used[w] |= 1ULL << b;
        return (uint16_t)(w * 64 + b);
    }
    return 0;
}

static void mmu_pcid_free(uint16_t pcid)
{
    if (pcid != 0)
        pcid_used[pcid / 64] &= ~(1ULL << (pcid % 64));
}

/* Free the PDPTs mmu_init gave to the kernel slots marked in @filled. */
static void mmu_init_unfill(uint64_t *pml4, const uint64_t filled[4])
{
    for (unsigned i = PML4_KERNEL_FIRST; i < PTE_PER_TABLE; i++) {
        unsigned bit = i - PML4_KERNEL_FIRST;
        if (filled[bit / 64] & (1ULL << (bit % 64))) {
            mmu_env_table_free(pml4[i] & PTE_ADDR, false);
            pml4[i] = 0;
            kernel_space.tables--;
        }
    }
}

/* Give every empty kernel-half PML4 slot an empty PDPT; all or nothing. */
static int mmu_init_fill(uint64_t *pml4)
{
    uint64_t filled[4] = {0, 0, 0, 0};

    for (unsigned i = PML4_KERNEL_FIRST; i < PTE_PER_TABLE; i++) {
        if (pml4[i] & PTE_P)
            continue;
        paddr_t pdpt = mmu_env_table_alloc();
        if (pdpt == 0) {
            mmu_init_unfill(pml4, filled);
            return MMU_ERR_NOMEM;
        }
        pml4[i] = pdpt | PTE_P | PTE_RW;
        kernel_space.tables++;
        unsigned bit = i - PML4_KERNEL_FIRST;
        filled[bit / 64] |= 1ULL << (bit % 64);
    }
    return MMU_OK;
}

/*
 * Adopt the loader's tables at @root as the kernel space (see mmu.h). The
 * user-half slots are only cleared: the loader's identity map shares its
 * tables with the direct map, so they must not be freed. `tables` of the
 * kernel space counts the root and the tables this handler allocates, not the
 * loader's. Resets all handler state, so it may be called again (tests do).
 * Expects EFER.NXE and CR4.PGE already set by the kernel.
 */
int mmu_init(paddr_t root, bool allow_pcid)
{
    uint64_t *pml4 = mmu_table(root);

    kernel_space = (struct mmu_space){
        .root = root & PTE_ADDR, .is_kernel = true, .tables = 1, .loaded_on = 1u << mmu_env_cpu()};
    mmu_env_set_loaded(&kernel_space);
    pcid_on = false;
    for (unsigned w = 0; w < PCID_COUNT / 64; w++)
        pcid_used[w] = 0;
    pcid_used[0] = 1; /* PCID 0: the kernel space and spaces that found none free */
    if (mmu_init_fill(pml4) != MMU_OK)
        return MMU_ERR_NOMEM;
    for (unsigned i = 0; i < PML4_KERNEL_FIRST; i++)
        pml4[i] = 0;
    mmu_hw_write_cr3(kernel_space.root); /* drops the identity map from the TLB */
    if (allow_pcid && mmu_hw_has_pcid()) {
        mmu_hw_enable_pcid(); /* CR3[11:0] is 0 here, as CR4.PCIDE requires */
        pcid_on = true;
    }
    return MMU_OK;
}

/* The kernel space set up by mmu_init. */
void mmu_cpu_start(void)
{
    if (pcid_on)
        mmu_hw_enable_pcid(); /* CR3 holds the kernel space's root, PCID 0 */
    mmu_hw_write_cr3(kernel_space.root);
    __atomic_fetch_or(&kernel_space.loaded_on, 1u << mmu_env_cpu(), __ATOMIC_RELAXED);
    mmu_env_set_loaded(&kernel_space);
}

struct mmu_space *mmu_kernel_space(void)
{
    return &kernel_space;
}

/* True when mmu_init turned PCIDs on. */
bool mmu_pcid_enabled(void)
{
    return pcid_on;
}

/*
 * Create an empty user space sharing the kernel half (see mmu.h). A PCID that
 * was used before may still tag TLB entries of a destroyed space, so a new
 * space starts stale and its first switch flushes.
 */
int mmu_space_create(struct mmu_space *space)
{
    paddr_t root = mmu_env_table_alloc();

    if (root == 0)
        return MMU_ERR_NOMEM;
    uint64_t *dst = mmu_table(root);
    const uint64_t *src = mmu_table(kernel_space.root);
    for (unsigned i = PML4_KERNEL_FIRST; i < PTE_PER_TABLE; i++)
        dst[i] = src[i];
    space->root = root;
    space->pcid = pcid_on ? mmu_pcid_alloc() : 0;
    space->tlb_stale = space->pcid != 0 ? ~0u : 0; /* on every CPU */
    space->loaded_on = 0;
    space->is_kernel = false;
    space->tables = 1;
    space->pt_last = NULL;
    return MMU_OK;
}

/* Report the leaves below the table at @pa (level @level, first address @base), then free it. */
static void mmu_table_destroy(struct mmu_space *space, paddr_t pa, int level, vaddr_t base,
                              void (*leaf)(void *ctx, vaddr_t va, paddr_t pa), void *ctx)
{
    uint64_t *table = mmu_table(pa);

    for (unsigned i = 0; i < PTE_PER_TABLE; i++) {
        uint64_t e = table[i];
        vaddr_t va = base + ((vaddr_t)i << (PAGE_SHIFT + 9 * (level - 1)));
        if (!(e & PTE_P))
            continue;
        if (level == 1) {
            if (leaf)
                leaf(ctx, va, e & PTE_ADDR);
        } else if (!(e & PTE_PS)) { /* user spaces never hold large leaves */
            mmu_table_destroy(space, e & PTE_ADDR, level - 1, va, leaf, ctx);
        }
    }
    mmu_env_table_free(pa, false);
    space->tables--;
    space->pt_last = NULL;
}

/*
 * Destroy user space @space (see mmu.h): report every mapped page to @leaf,
 * free its PTs, PDs, PDPTs, the root and its PCID. The shared kernel-half
 * tables are not touched. If @space is current (a caller bug) the kernel
 * space is switched in first, so CR3 never points to freed memory. The
 * kernel space itself is never destroyed.
 */
void mmu_space_destroy(struct mmu_space *space, void (*leaf)(void *ctx, vaddr_t va, paddr_t pa),
                       void *ctx)
{
    if (space->is_kernel || space->root == 0)
        return;
    if (space == mmu_env_loaded())
        mmu_switch(&kernel_space);
    uint32_t others = __atomic_load_n(&space->loaded_on, __ATOMIC_ACQUIRE);
    if (others)
        mmu_env_shootdown(others, space, MMU_SHOOTDOWN_UNLOAD);
    uint64_t *pml4 = mmu_table(space->root);
    for (unsigned i = 0; i < PML4_KERNEL_FIRST; i++) {
        if (pml4[i] & PTE_P)
            mmu_table_destroy(space, pml4[i] & PTE_ADDR, 3, (vaddr_t)i << 39, leaf, ctx);
    }
    mmu_env_table_free(space->root, false);
    space->tables--;
    mmu_pcid_free(space->pcid);
    space->root = 0;
    space->pt_last = NULL;
    space->pcid = 0;
    space->tlb_stale = 0;
}

/* Every entry of @table is zero (not only not present). */
static bool mmu_table_clear(const uint64_t *table)
{
    for (unsigned i = 0; i < PTE_PER_TABLE; i++)
        if (table[i])
            return false;
    return true;
}

/* The range a trim works in: what was unmapped, and the gap around it where nothing is mapped. */
struct mmu_trim_range {
    vaddr_t lo, hi;         /* the pages just unmapped */
    vaddr_t floor, ceiling; /* nothing is mapped in [floor, ceiling), which holds [lo, hi) */
};

/*
 * Trim below @entry, which points at a table of @level whose first address
 * is @base. Only the entries that overlap the unmapped pages are visited
 * (an index range, never all 512). A table whose whole span lies in the
 * gap maps nothing and goes; any other table stays: it is shared with a
 * neighbouring region, and goes with the last region it overlaps (the
 * caller trims after every region it removes). So every table left
 * overlaps a region, and the entries of a table in the gap outside the
 * unmapped pages hold no tables: nothing needs a scan. (The test builds
 * check that a table they free is all zeros, and keep it otherwise: it goes
 * back to the frame allocator as a zeroed frame, reused without zeroing.)
 */
static size_t mmu_trim_table(struct mmu_space *space, uint64_t *entry, int level, vaddr_t base,
                             const struct mmu_trim_range *t)
{
    uint64_t *table = mmu_table(*entry);
    uint64_t span = pte_span(level), table_span = pte_span(level + 1);
    bool whole = base >= t->floor && base + table_span <= t->ceiling;
    size_t freed = 0;

    if (level > 1) {
        vaddr_t from = t->lo > base ? t->lo : base;
        vaddr_t to = t->hi < base + table_span ? t->hi : base + table_span;
        unsigned first = (from - base) / span, last = (to - 1 - base) / span;
        for (unsigned i = first; i <= last; i++) {
            if ((table[i] & PTE_P) && !(table[i] & PTE_PS))
                freed += mmu_trim_table(space, &table[i], level - 1, base + i * span, t);
        }
    }
    if (!whole || (KERNEL_ASSERTS && !mmu_table_clear(table)))
        return freed;
    paddr_t pa = *entry & PTE_ADDR;
    *entry = 0;
    mmu_env_table_free(pa, true);
    space->tables--;
    space->pt_last = NULL; /* it may have been this table */
    return freed + 1;
}

/*
 * Free empty tables around an unmapped range (see mmu.h). One invalidation
 * suffices: INVLPG drops every paging-structure cache entry of the current
 * PCID, and another space is flushed at its next switch.
 */
size_t mmu_trim(struct mmu_space *space, vaddr_t va, size_t npages, vaddr_t floor, vaddr_t ceiling)
{
    const uint64_t pml4_span = pte_span(4);
    size_t freed = 0;

    if (space->is_kernel || npages == 0 || !mmu_range_owned(space, va, npages))
        return 0;
    vaddr_t hi = va + npages * PAGE_SIZE;
    struct mmu_trim_range t = {va, hi, floor < va ? floor : va, ceiling > hi ? ceiling : hi};
    uint64_t *pml4 = mmu_table(space->root);
    for (unsigned i = pte_index(va, 4); i < PML4_KERNEL_FIRST && i * pml4_span < hi; i++) {
        if (pml4[i] & PTE_P)
            freed += mmu_trim_table(space, &pml4[i], 3, i * pml4_span, &t);
    }
    if (freed)
        mmu_tlb_invalidate(space, va);
    return freed;
}

/*
 * Load @space into CR3. Under PCIDs the switch keeps the TLB (CR3 bit 63)
 * unless the space is marked stale or uses PCID 0, which the kernel space
 * shares with spaces that found no free PCID and which is therefore always
 * flushed. Without PCIDs every CR3 write flushes the non-global entries.
 */
static uint64_t switches; /* address-space switches since boot */

void mmu_switch(struct mmu_space *space)
{
    struct mmu_space *old = mmu_env_loaded();
    uint32_t self = 1u << mmu_env_cpu();
    uint64_t cr3 = space->root;

    if (pcid_on) {
        cr3 |= space->pcid;
        if (!(space->tlb_stale & self) && space->pcid != 0)
            cr3 |= CR3_NOFLUSH;
        if (space->tlb_stale & self)
            __atomic_fetch_and(&space->tlb_stale, ~self, __ATOMIC_RELAXED);
    }
    if (old)
        __atomic_fetch_and(&old->loaded_on, ~self, __ATOMIC_RELAXED);
    __atomic_fetch_or(&space->loaded_on, self, __ATOMIC_RELEASE);
    mmu_env_set_loaded(space);
    switches++;
    mmu_hw_write_cr3(cr3);
}

uint64_t mmu_switch_count(void)
{
    return switches;
}

/* The space last made current (the kernel space after mmu_init). */
struct mmu_space *mmu_current(void)
{
    return mmu_env_loaded();
}

/*
 * Link the tables in @fresh (@n zeroed frames, enough for every missing level)
 * on the way to @va and return the PT entry for @va. Intermediate entries are
 * as permissive as possible (user half: P|RW|U) so the leaf decides.
 */
static uint64_t *mmu_path_build(paddr_t root, vaddr_t va, const paddr_t *fresh, int n)
{
    uint64_t link = PTE_P | PTE_RW | (va < MMU_USER_TOP ? PTE_US : 0);
    uint64_t *table = mmu_table(root);
    int used = 0;

    for (int level = 4; level > 1; level--) {
        uint64_t *e = &table[pte_index(va, level)];
        if (!(*e & PTE_P) && used < n)
            *e = fresh[used++] | link;
        table = mmu_table(*e);
    }
    return &table[pte_index(va, 1)];
}

/*
 * Map @va to @pa in @space (see mmu.h). All checks and all table allocations
 * happen before the tables change, so a failure leaves nothing behind. No TLB
 * work: x86 never caches a non-present entry.
 */
int mmu_map(struct mmu_space *space, vaddr_t va, paddr_t pa, unsigned prot)
{
    paddr_t fresh[3];
    int level;

    if (!mmu_va_owned(space, va) || (pa & (PAGE_SIZE - 1)) || pa >= PHYS_LIMIT)
        return MMU_ERR_RANGE;
    uint64_t *e = mmu_entry_find(space->root, va, &level);
    if (*e & PTE_P)
        return MMU_ERR_EXISTS; /* a 4 KiB leaf, or a large leaf covering @va */
    int missing = level - 1;   /* the tables below a non-present entry at @level */
    for (int i = 0; i < missing; i++) {
        fresh[i] = mmu_env_table_alloc();
        if (fresh[i] == 0) {
            while (i-- > 0)
                mmu_env_table_free(fresh[i], true);
            return MMU_ERR_NOMEM;
        }
    }
    e = mmu_path_build(space->root, va, fresh, missing);
    space->tables += (uint32_t)missing;
    *e = pa | mmu_leaf_flags(va, prot);
    return MMU_OK;
}

/*
 * Find the 4 KiB leaf that @space may change at @va. Returns MMU_OK with the
 * entry in *@out, MMU_ERR_RANGE (wrong half, misaligned, or inside a large
 * page, which cannot be changed piecewise) or MMU_ERR_NOTMAPPED.
 */
static int mmu_leaf_get(struct mmu_space *space, vaddr_t va, uint64_t **out)
{
    int level;

    if (!mmu_va_owned(space, va))
        return MMU_ERR_RANGE;
    uint64_t *e = mmu_entry_find(space->root, va, &level);
    if (!(*e & PTE_P))
        return MMU_ERR_NOTMAPPED;
    if (level != 1)
        return MMU_ERR_RANGE;
    *out = e;
    return MMU_OK;
}

/*
 * Unmap @va (see mmu.h). Page tables that become empty are kept until
 * mmu_space_destroy: freeing them would cost a scan of 512 entries per unmap
 * and the region is likely to be mapped again.
 */
int mmu_unmap(struct mmu_space *space, vaddr_t va, paddr_t *pa, unsigned *bits)
{
    uint64_t *e;
    int rc = mmu_leaf_get(space, va, &e);

    if (rc != MMU_OK)
        return rc;
    /* Atomic, so an A/D update racing with the clear is not lost. */
    uint64_t old = __atomic_exchange_n(e, 0, __ATOMIC_SEQ_CST);
    mmu_tlb_invalidate(space, va);
    if (pa)
        *pa = old & PTE_ADDR;
    if (bits)
        *bits = mmu_bits_of(old);
    return MMU_OK;
}

/* Change the protection of @va to @prot, keeping frame and R/M bits (see mmu.h). */
int mmu_protect(struct mmu_space *space, vaddr_t va, unsigned prot)
{
    uint64_t *e;
    int rc = mmu_leaf_get(space, va, &e);

    if (rc != MMU_OK)
        return rc;
    /* A compare-and-swap, so a D bit another CPU sets meanwhile is kept. */
    uint64_t old = __atomic_load_n(e, __ATOMIC_SEQ_CST), val;
    do {
        val = (old & (PTE_ADDR | PTE_A | PTE_D)) | mmu_leaf_flags(va, prot);
    } while (!__atomic_compare_exchange_n(e, &old, val, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
    mmu_tlb_invalidate(space, va);
    return MMU_OK;
}

/*
 * Look up @va in @space (see mmu.h). Any canonical page address may be
 * queried, so a user space also answers for the shared kernel half.
 */
int mmu_query(struct mmu_space *space, vaddr_t va, struct mmu_mapping *out)
{
    int level;

    if (!mmu_is_canonical_page(va))
        return MMU_ERR_RANGE;
    uint64_t *e = mmu_entry_find(space->root, va, &level);
    uint64_t v = *e;
    if (!(v & PTE_P))
        return MMU_ERR_NOTMAPPED;
    out->pa = mmu_frame_of(v, level, va);
    out->prot = mmu_prot_of(v);
    out->bits = mmu_bits_of(v);
    return MMU_OK;
}

bool mmu_user_frame(struct mmu_space *space, vaddr_t va, bool write, paddr_t *pa)
{
    const uint64_t want = PTE_P | PTE_US | (write ? PTE_RW : 0);
    const vaddr_t base = va & ~(pte_span(2) - 1);
    uint64_t *pt = space->pt_last, e;

    if (va >= MMU_USER_TOP || space->is_kernel)
        return false;
    if (!pt || space->pt_last_va != base) {
        e = space->root;
        for (int level = 4; level > 1;
             level--) { /* tables carry P, US and RW for every user page */
            e = mmu_table(e)[pte_index(va, level)];
            if ((e & (PTE_P | PTE_PS)) != PTE_P)
                return false;
        }
        pt = mmu_table(e);
        space->pt_last = pt;
        space->pt_last_va = base;
    }
    e = pt[pte_index(va, 1)];
    if ((e & (want | PTE_PCD)) != want)
        return false;
    *pa = e & PTE_ADDR;
    return true;
}

/*
 * MMU_BIT_* of leaf @e, which maps @va; with @clear, R and M are cleared and
 * the TLB entry invalidated (only when one was set: the CPU caches an entry
 * only with A set, and sets D in memory before it caches a dirty entry).
 */
static uint8_t mmu_rm_entry(struct mmu_space *space, vaddr_t va, uint64_t *e, bool clear)
{
    uint64_t v = __atomic_load_n(e, __ATOMIC_SEQ_CST);

    if (!(v & PTE_P))
        return 0;
    if (clear && (v & (PTE_A | PTE_D))) {
        v = __atomic_fetch_and(e, ~(PTE_A | PTE_D), __ATOMIC_SEQ_CST);
        mmu_tlb_invalidate(space, va);
    }
    return (uint8_t)mmu_bits_of(v);
}

/*
 * One step of mmu_rm_collect: the @n pages from @va, all under entry @e at
 * @level (for level 1, @e and the n - 1 PT entries after it). Returns how
 * many of them are mapped.
 */
static size_t mmu_rm_run(struct mmu_space *space, vaddr_t va, uint64_t *e, int level, size_t n,
                         uint8_t *bits, bool clear)
{
    size_t mapped = 0;
    uint8_t large = 0;

    if (level > 1 && (*e & PTE_P))
        large = mmu_rm_entry(space, va, e, clear); /* one entry for the whole large page */
    for (size_t k = 0; k < n; k++) {
        if (level == 1)
            bits[k] = mmu_rm_entry(space, va + (k << PAGE_SHIFT), &e[k], clear);
        else
            bits[k] = large;
        mapped += bits[k] != 0;
    }
    return mapped;
}

/*
 * Collect (and with @clear, reset) the R/M bits of @npages pages from @va
 * (see mmu.h). One walk from the root per PT, large page or missing table,
 * so a hole of a missing PD costs one step, not 262144. A range outside the
 * half @space may change reports every page unmapped.
 */
size_t mmu_rm_collect(struct mmu_space *space, vaddr_t va, size_t npages, uint8_t *bits, bool clear)
{
    size_t i = 0, mapped = 0;

    if (!mmu_range_owned(space, va, npages)) {
        for (size_t k = 0; k < npages; k++)
            bits[k] = 0;
        return 0;
    }
    while (i < npages) {
        vaddr_t cur = va + ((vaddr_t)i << PAGE_SHIFT);
        int level;
        uint64_t *e = mmu_entry_find(space->root, cur, &level);
        /* A PT entry is processed with the rest of its table: the pages of a PD entry. */
        uint64_t span = pte_span(level == 1 ? 2 : level) >> PAGE_SHIFT;
        uint64_t left = span - ((cur >> PAGE_SHIFT) & (span - 1));
        size_t n = left < npages - i ? (size_t)left : npages - i;
        mapped += mmu_rm_run(space, cur, e, level, n, bits + i, clear);
        i += n;
    }
    return mapped;
}

/* Decode an x86 #PF error code (P, W/R, U/S, RSVD, I/D in bits 0-4) and CR2. */
void mmu_fault_decode(uint64_t cr2, uint64_t error_code, struct mmu_fault *out)
{
    out->addr = cr2;
    if (error_code & (1u << 4))
        out->access = MMU_ACCESS_EXEC;
    else if (error_code & (1u << 1))
        out->access = MMU_ACCESS_WRITE;
    else
        out->access = MMU_ACCESS_READ;
    out->present = (error_code & (1u << 0)) != 0;
    out->user = (error_code & (1u << 2)) != 0;
    out->reserved_bit = (error_code & (1u << 3)) != 0;
}
