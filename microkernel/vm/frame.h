/*
 * The physical frame allocator and the frame table: one entry per physical
 * page frame with its state, owner and pin count. Pageout walks this table;
 * the allocator keeps free frames on a list threaded through it (O(1)).
 */
#ifndef KERNEL_FRAME_H
#define KERNEL_FRAME_H

#include <boot/bootinfo.h>
#include <mmu.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum frame_state {
    FRAME_RESERVED = 0, /* firmware, MMIO holes, the frame table itself */
    FRAME_FREE,
    FRAME_KERNEL, /* kernel data: slabs, boot structures */
    FRAME_TABLE,  /* a page-table page */
    FRAME_KSTACK, /* a kernel stack page */
    FRAME_USER,   /* a user page: of a memory object, in a message, or in a store */
};

#define FRAME_FLAG_LAUNDRY 0x1u /* pushed out to a pager, in a message not yet delivered */
#define FRAME_FLAG_ZERO 0x2u    /* FRAME_FREE: holds only zeros (frame_free_zeroed) */
/* LAUNDRY on its way to an ordinary pager, which may take it late (vm_pageout.c) */
#define FRAME_FLAG_LAUNDRY_ORDINARY 0x4u

struct frame {
    uint8_t state;      /* enum frame_state */
    uint8_t flags;      /* FRAME_FLAG_* */
    uint16_t pin_count; /* > 0: never evicted or moved */
    union {
        uint32_t next_free; /* FRAME_FREE: index of the next free frame */
        uint32_t acct;      /* in use: the account it is charged to (frame_acct.c) */
    };
    void *owner; /* FRAME_USER: the resident struct vm_page in it, else NULL (a message, a store);
                  * other states: whatever the allocating code keeps there */
};
_Static_assert(sizeof(struct frame) == 16, "frame table entry size");

extern uintptr_t hhdm_base; /* virtual address of physical 0 */

static inline void *phys_to_virt(paddr_t pa)
{
    return (void *)(hhdm_base + pa);
}

static inline paddr_t virt_to_phys(const void *va)
{
    return (paddr_t)((uintptr_t)va - hhdm_base);
}

/*
 * Build the frame table from the loader's memory map: FREE ranges become
 * free frames (frame 0 never does), everything else is reserved. With
 * @limit > 0 at most @limit frames are made available. @side_bytes per
 * frame of zeroed memory are set aside next to the table for a caller's own
 * per-frame state (pageout's policy), found with frame_side_table(). Returns
 * 0 or -ERR_NOMEM if no free range can hold the tables.
 */
int frame_init(const struct boot_mem_range *ranges, size_t count, uint64_t limit,
               size_t side_bytes);

/* The per-frame side table (frame_table_size() entries of side_bytes), or NULL. */
void *frame_side_table(void);
/* Entries in the frame table: one past the highest frame number. */
uint64_t frame_table_size(void);

/*
 * Take a free frame for @state/@owner, charged to the current account
 * (acct_current()); 0 when none is left. Not zeroed.
 */
paddr_t frame_alloc(enum frame_state state, void *owner);
/*
 * Take @count free frames that are adjacent in memory, for @state, charged
 * like frame_alloc; returns the first one's address, or 0 when no run of
 * @count frames is free. Not zeroed. It walks the frame table and the free
 * list: meant for tables sized at boot, not for a fast path. The frames go
 * back one by one with frame_free.
 */
paddr_t frame_alloc_contig(uint64_t count, enum frame_state state);
/* Give back a frame that is not pinned; its account is discharged. */
void frame_free(paddr_t pa);
/*
 * frame_alloc, and the frame zeroed, unless it is one given back with
 * frame_free_zeroed (the free list is last in, first out: a page table
 * freed and soon needed again costs no zeroing).
 */
paddr_t frame_alloc_zeroed(enum frame_state state, void *owner);
/* frame_free of a frame the caller knows holds only zeros (an emptied page table). */
void frame_free_zeroed(paddr_t pa);
/* Charge frame @pa, in use, to account @slot instead of the one it was charged to. */
void frame_charge(paddr_t pa, uint32_t slot);
struct frame *frame_of(paddr_t pa);

uint64_t frame_free_count(void);
/* Frames currently in state @state. */
uint64_t frame_state_count(enum frame_state state);
uint64_t frame_total_count(void);

/*
 * Pageout's watch on the allocator: @fn runs when the free frames cross
 * @level in either direction (an allocation leaves @level - 1, or a free
 * brings them back to @level), and when a laundry frame leaves the laundry.
 */
void frame_watch(uint64_t level, void (*fn)(void));

/*
 * Mark @pa as laundry: pushed out towards a pager, not yet delivered;
 * @ordinary: that pager is an ordinary task, not the default pager or a
 * driver (counted apart: it may be slow to take it, or wait for memory).
 */
void frame_laundry_mark(paddr_t pa, bool ordinary);
/* @pa reached its destination (entered an object): it leaves the laundry. */
void frame_laundry_clear(paddr_t pa);
/* Frames in the laundry; those of them on their way to ordinary pagers. */
uint64_t frame_laundry_count(void);
uint64_t frame_laundry_ordinary_count(void);

/*
 * Recount the table (kernel_check): the per-state counts, the free list and
 * the laundry agree with the frames' states and flags, and no free frame is
 * pinned or owned. NULL when they do, else what is broken.
 */
const char *frame_check(void);

/*
 * Accounts (frame_acct.c): what each task holds, so that a leak check can
 * say "task X holds N frames after it ended" instead of comparing global
 * counts. A frame is charged to the account of whoever holds it: the task
 * whose memory object, page table, kernel stack or name table it is, the
 * task whose port a message carrying it waits on; the kernel's own account
 * (ACCT_KERNEL) holds slabs and what no task holds. Kernel objects are
 * counted the same way. The rules and the figures are in docs/design.md
 * ("Accounting").
 */
#define ACCT_SLOTS 256u /* accounts at once; a task finding none is charged to the kernel's */
#define ACCT_KERNEL 0u  /* the kernel's own account */

enum acct_object {
    ACCT_OBJ_PORT,      /* ports whose receive right the task holds */
    ACCT_OBJ_VM_OBJECT, /* memory objects it created or was given */
    ACCT_OBJ_THREAD,
    ACCT_OBJ_PAGED, /* of those memory objects, the ones an external pager serves */
    ACCT_OBJ_KINDS,
};

/* What account @slot holds: frames by state (FRAME_*), objects by kind. */
struct acct_figures {
    uint64_t frames[FRAME_USER + 1];
    uint64_t objects[ACCT_OBJ_KINDS];
};

/*
 * A new account for task @task_id in the job of account @job_of, or
 * starting a job of its own with ACCT_NEW_JOB; ACCT_KERNEL when every slot
 * is taken or that job already has ACCT_JOB_ACCOUNTS_MAX accounts. An
 * account lives until it is closed and holds nothing, so a task's figures
 * outlive it while it still holds some; a job's root lives as long as any
 * of its accounts.
 */
#define ACCT_NEW_JOB UINT32_MAX
#define ACCT_JOB_ACCOUNTS_MAX 64u
uint32_t acct_open_in(uint32_t task_id, uint32_t job_of);
/* acct_open_in(@task_id, ACCT_NEW_JOB). */
uint32_t acct_open(uint32_t task_id);
/* The task of account @slot is gone: the slot is reused once it holds nothing. */
void acct_close(uint32_t slot);
/* The open account of @task_id or, after it closed, the one still holding something; else -1. */
int acct_find(uint32_t task_id);
/* The id of account @slot's task (0 for the kernel's, or while its task is being built). */
uint32_t acct_task(uint32_t slot);
/* Copy account @slot's figures to *@out. */
void acct_read(uint32_t slot, struct acct_figures *out);
/* Does account @slot hold nothing? */
bool acct_empty(uint32_t slot);
/* The account new frames and objects are charged to (the running thread's). */
uint32_t acct_current(void);
/* Make @slot the current account; returns the previous one. */
uint32_t acct_switch(uint32_t slot);
/* The root of account @slot's job; the objects of @kind its job holds; its job's accounts. */
uint32_t acct_job(uint32_t slot);
uint64_t acct_job_objects(uint32_t slot, enum acct_object kind);
uint32_t acct_job_accounts(uint32_t slot);
/* Count @delta objects of @kind on account @slot (and on its job). */
void acct_object(uint32_t slot, enum acct_object kind, int delta);
/*
 * Recount the jobs (kernel_check): each job's accounts and objects are the
 * sum over the accounts counting in it, and each of those has a live root.
 * NULL, or what is broken.
 */
const char *acct_check(void);
/* Count @delta frames in @state on account @slot (frame.c's side). */
void acct_frames(uint32_t slot, enum frame_state state, int delta);

#endif
