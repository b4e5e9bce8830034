/*
 * The MMU handler: the only code that knows the x86-64 page-table format.
 * Generic kernel code creates, switches and destroys address spaces, maps and
 * unmaps pages, reads and clears the referenced (R) and modified (M) bits and
 * decodes faults through this interface, and never sees a page-table entry.
 *
 * Addresses below MMU_USER_TOP are user addresses (mapped with the U bit);
 * addresses at or above MMU_KERNEL_BOTTOM belong to the kernel half, which is
 * shared by every space (mapped global, never user accessible). The kernel
 * half may contain 2 MiB pages (the loader's direct map); user mappings are
 * always 4 KiB.
 *
 * The MMU handler gets page-table frames and reaches physical memory through
 * the mmu_env_* hooks, and executes privileged instructions through the
 * mmu_hw_* hooks. The kernel and the host tests link different versions of
 * both (link-time substitution, no #ifdef). Not thread safe: callers
 * serialise (the kernel runs with interrupts disabled on one CPU).
 */
#ifndef MMU_H
#define MMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <abi/page.h>

typedef uint64_t paddr_t;
typedef uint64_t vaddr_t;

#define MMU_USER_TOP 0x0000800000000000ULL      /* first non-user address */
#define MMU_KERNEL_BOTTOM 0xffff800000000000ULL /* first kernel address */

/* Protection of a mapping; any non-zero combination is readable. */
#define MMU_PROT_READ 0x1u
#define MMU_PROT_WRITE 0x2u
#define MMU_PROT_EXEC 0x4u
#define MMU_PROT_NOCACHE 0x8u /* device memory: cache disabled */

/* Per-page bits reported by mmu_query and mmu_rm_collect. */
#define MMU_BIT_PRESENT 0x1u
#define MMU_BIT_REF 0x2u /* accessed (R) */
#define MMU_BIT_MOD 0x4u /* dirty (M) */

enum mmu_status {
    MMU_OK = 0,
    MMU_ERR_NOMEM = -1,     /* a page-table frame could not be allocated */
    MMU_ERR_EXISTS = -2,    /* mmu_map: the page is already mapped */
    MMU_ERR_NOTMAPPED = -3, /* the page is not mapped */
    MMU_ERR_RANGE = -4,     /* address not canonical, not aligned, or wrong half */
};

/* An address space. Callers treat the fields as read-only. */
struct mmu_space {
    paddr_t root;       /* physical address of the PML4 */
    uint16_t pcid;      /* 0 when PCIDs are off or none was free */
    bool is_kernel;     /* the kernel space: owns the shared kernel half */
    uint32_t tlb_stale; /* CPUs whose TLB may hold stale entries: they flush at their next
                         * switch to it (PCIDs) */
    uint32_t loaded_on; /* CPUs that have it in CR3 now */
    uint32_t tables;    /* page-table frames owned, the root included */
    /* mmu_user_frame's last page table (NULL: none) and the 2 MiB it maps;
     * forgotten whenever one of the space's tables is freed */
    uint64_t *pt_last;
    vaddr_t pt_last_va;
};

/* A fault, decoded from CR2 and the error code. */
enum mmu_access { MMU_ACCESS_READ = 1, MMU_ACCESS_WRITE = 2, MMU_ACCESS_EXEC = 3 };

struct mmu_fault {
    vaddr_t addr;           /* faulting linear address (CR2) */
    enum mmu_access access; /* what the instruction tried to do */
    bool present;           /* a mapping existed: protection violation */
    bool user;              /* the fault happened in user mode */
    bool reserved_bit;      /* corrupt page table (kernel bug) */
};

struct mmu_mapping {
    paddr_t pa;    /* frame (for a 2 MiB page, the 4 KiB frame within it) */
    unsigned prot; /* MMU_PROT_* */
    unsigned bits; /* MMU_BIT_* */
};

/* --- hooks the environment provides (kernel: frame allocator; tests: simulated RAM) --- */
paddr_t mmu_env_table_alloc(void); /* a zeroed 4 KiB frame, or 0 when out of memory */
void mmu_env_table_free(paddr_t pa, bool zeroed); /* @zeroed: it holds only zeros now */
void *mmu_env_phys_to_virt(paddr_t pa);
/* The space loaded on the CPU this runs on: the environment keeps one per CPU. */
struct mmu_space *mmu_env_loaded(void);
void mmu_env_set_loaded(struct mmu_space *space);
/* Several CPUs (at most 32): the one this runs on, and those running (bit i: CPU i). */
unsigned mmu_env_cpu(void);
uint32_t mmu_env_cpus(void);
/*
 * Run mmu_shootdown(@space, @va) on every CPU of @cpus (never the caller's)
 * and return once all have: an interprocessor interrupt each, answered
 * even by a CPU that waits to enter the kernel.
 */
void mmu_env_shootdown(uint32_t cpus, struct mmu_space *space, vaddr_t va);
struct mmu_batch;
/* The same for a batch: mmu_shootdown_batch(@batch) on every CPU of @cpus. */
void mmu_env_shootdown_batch(uint32_t cpus, const struct mmu_batch *batch);

/* --- privileged instructions (kernel: real; tests: recorded) --- */
void mmu_hw_write_cr3(uint64_t value);
uint64_t mmu_hw_read_cr3(void);
void mmu_hw_invlpg(vaddr_t va);
bool mmu_hw_has_pcid(void);    /* CPUID.01H:ECX.PCID */
void mmu_hw_enable_pcid(void); /* sets CR4.PCIDE; called only when has_pcid */

/*
 * Adopt the loader's page tables rooted at @root as the kernel space: drop
 * the temporary identity map of the user half, give every kernel-half PML4
 * slot a table (so later kernel mappings show in every space) and enable
 * PCIDs when the CPU has them (@allow_pcid false forces the flushing path).
 * Returns MMU_OK or MMU_ERR_NOMEM.
 */
int mmu_init(paddr_t root, bool allow_pcid);
struct mmu_space *mmu_kernel_space(void);
bool mmu_pcid_enabled(void);
/* On a CPU started after mmu_init: PCIDs as on the first, the kernel space loaded. */
void mmu_cpu_start(void);
/*
 * On a CPU of mmu_env_shootdown's @cpus, in its interrupt: drop @va of
 * @space from the TLB if it may be there, or with MMU_SHOOTDOWN_UNLOAD
 * switch to the kernel space if @space is loaded (it is to be destroyed).
 */
#define MMU_SHOOTDOWN_UNLOAD (~(vaddr_t)0)
void mmu_shootdown(struct mmu_space *space, vaddr_t va);

/*
 * Shootdowns gathered (pageout rounds push out many pages at once). While a
 * batch is open on a CPU, what the unmaps and protection changes of user
 * spaces made there need on other CPUs is recorded instead of sent: the
 * local TLB is invalidated at once, and mmu_batch_end interrupts each CPU
 * concerned once for the lot. Until then another CPU may still reach an
 * unmapped page through its TLB, so the caller must not free, hand on or
 * copy such a frame before mmu_batch_end. No write is lost meanwhile: an
 * entry that lets a CPU write without a walk was made from a PTE whose D bit
 * was set, which the unmap reported. Under PCIDs every CPU but this one
 * flushes the space at its next switch to it (one may switch away before the
 * batch reaches it). The kernel half is never deferred. More than
 * MMU_BATCH_MAX pages make each CPU flush the space it has loaded whole.
 */
#define MMU_BATCH_MAX 32u
struct mmu_batch {
    uint32_t cpus;  /* CPUs to interrupt at the end */
    uint32_t pages; /* pages recorded (the first MMU_BATCH_MAX in @page) */
    unsigned cpu;   /* the CPU it is open on */
    bool open;
    struct {
        struct mmu_space *space;
        vaddr_t va;
    } page[MMU_BATCH_MAX];
};
/* Open @b on this CPU (none may be open here). */
void mmu_batch_begin(struct mmu_batch *b);
/* Send what @b gathered (one interrupt per CPU, none if nothing) and close it; on any CPU. */
void mmu_batch_end(struct mmu_batch *b);
/* On a CPU of mmu_env_shootdown_batch's @cpus, in its interrupt. */
void mmu_shootdown_batch(const struct mmu_batch *b);
/* Batches that interrupted other CPUs, and the pages they carried, since boot. */
struct mmu_batch_stat {
    uint64_t batches;
    uint64_t pages;
};
struct mmu_batch_stat mmu_batch_stat(void);

/*
 * Create an empty user space sharing the kernel half. Returns MMU_OK or
 * MMU_ERR_NOMEM (nothing allocated then).
 */
int mmu_space_create(struct mmu_space *space);

/*
 * Destroy a user space that is not current: call @leaf (if not NULL) for
 * every page still mapped, then free every page-table frame it owns.
 */
void mmu_space_destroy(struct mmu_space *space, void (*leaf)(void *ctx, vaddr_t va, paddr_t pa),
                       void *ctx);

/* Make @space current. Flushes the TLB unless PCIDs make that unnecessary. */
void mmu_switch(struct mmu_space *space);
struct mmu_space *mmu_current(void);
/* Address-space switches (mmu_switch calls) since boot. */
uint64_t mmu_switch_count(void);

/*
 * Map the 4 KiB page at @va to frame @pa with @prot. Returns MMU_OK,
 * MMU_ERR_EXISTS (left unchanged), MMU_ERR_NOMEM or MMU_ERR_RANGE (@va in the
 * wrong half for @space, misaligned, or not canonical).
 */
int mmu_map(struct mmu_space *space, vaddr_t va, paddr_t pa, unsigned prot);

/*
 * Unmap the page at @va and invalidate it in the TLB. On success stores the
 * frame in *@pa and its MMU_BIT_* (REF/MOD as they were) in *@bits, either
 * may be NULL. Returns MMU_OK, MMU_ERR_NOTMAPPED or MMU_ERR_RANGE.
 */
int mmu_unmap(struct mmu_space *space, vaddr_t va, paddr_t *pa, unsigned *bits);

/* Change the protection of a mapped page. MMU_OK, MMU_ERR_NOTMAPPED, MMU_ERR_RANGE. */
int mmu_protect(struct mmu_space *space, vaddr_t va, unsigned prot);

/* Look up @va. MMU_OK with *@out filled, MMU_ERR_NOTMAPPED or MMU_ERR_RANGE. */
int mmu_query(struct mmu_space *space, vaddr_t va, struct mmu_mapping *out);

/*
 * The frame user code reaches at @va in user space @space, if a 4 KiB leaf
 * maps it user-accessible, cached, and writable when @write: true with
 * *@pa. One walk and no other checks: for the kernel's copies that must not
 * fault (the IPC fast path). The space keeps the last page table it walked
 * to, so a second look in the same 2 MiB reads the leaf alone.
 */
bool mmu_user_frame(struct mmu_space *space, vaddr_t va, bool write, paddr_t *pa);

/*
 * For each of @npages pages from @va store MMU_BIT_* in @bits[i] (0 for an
 * unmapped page), clearing R and M in the page tables when @clear is true
 * (with the TLB invalidations that needs). Returns the number of mapped pages.
 * Walks only the page tables that exist.
 */
size_t mmu_rm_collect(struct mmu_space *space, vaddr_t va, size_t npages, uint8_t *bits,
                      bool clear);

/*
 * After the caller unmapped [@va, @va + @npages pages): free the page
 * tables of user space @space that overlap it and lie entirely in
 * [@floor, @ceiling), a range the caller knows maps nothing (the gap between
 * the neighbouring regions), so that a long-lived task that maps and unmaps
 * does not accumulate empty tables. Tables that reach outside the gap stay
 * (they may map a neighbour's pages) without being scanned. Returns the
 * number of table frames freed.
 */
size_t mmu_trim(struct mmu_space *space, vaddr_t va, size_t npages, vaddr_t floor, vaddr_t ceiling);

/* Decode a page fault. */
void mmu_fault_decode(uint64_t cr2, uint64_t error_code, struct mmu_fault *out);

#endif
