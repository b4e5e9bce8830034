/*
 * Pageout: the kernel thread that keeps free frames above a low watermark by
 * evicting pages chosen by a replacement policy (vm_policy.h), and the
 * reserve that keeps pagers and drivers able to run when memory is short.
 * The policy sees every frame that holds a resident, unpinned page of a
 * memory object; the hooks below keep that set up to date.
 */
#ifndef KERNEL_VM_PAGEOUT_H
#define KERNEL_VM_PAGEOUT_H

#include <mmu.h>
#include <stdbool.h>
#include <stdint.h>
#include <vm/policy/vm_policy.h>
#include <vm/vm_credit.h>
#include <vm/vm_fault.h>

struct task;
struct thread;

#define VM_PAGEOUT_LAUNDRY_MAX 64 /* pages in messages to pagers at once, at most */
#define VM_PAGEOUT_BATCH 32       /* evictions before the thread lets others run */
/* messages queued on an ordinary pager's port before pageout holds its pages back */
#define VM_PAGEOUT_PAGER_QUEUE_MAX (VM_PAGEOUT_LAUNDRY_MAX / 2)

/* Watermarks, in free frames. */
struct vm_pageout_levels {
    uint64_t reserve; /* at or below: only privileged tasks and pagers on credit get frames */
    uint64_t low;     /* below: the pageout thread runs */
    uint64_t high;    /* the pageout thread stops when free (plus laundry) reaches it */
};

/*
 * Start pageout with policy @kind over every frame (its state lives in the
 * frame table's side memory: frame_init was given sizeof(struct
 * vm_policy_frame) per frame), with watermarks derived from the number of
 * usable frames. VM_POLICY_LRU and VM_POLICY_OPT need every reference and
 * are refused. Returns 0, or -ERR_INVAL / -ERR_NOMEM.
 */
int vm_pageout_init(enum vm_policy_kind kind);

/* vm_pageout_init without the thread: the policy tracks candidates, vm_pageout_scan works. */
int vm_pageout_setup(enum vm_policy_kind kind);

/* The policy named @name ("clock", "fifo", "aging", "nru", "wsclock"), or -1. */
int vm_pageout_policy_by_name(const char *name);
/*
 * Replace the running policy by the one named @name (a pageout policy, not
 * a reference one), keeping the resident frames. 0, -ERR_INVAL for an
 * unknown name, -ERR_NOSYS with pageout=off.
 */
int vm_pageout_set_policy(const char *name);
/* The running policy's name, or "off". */
const char *vm_pageout_policy(void);

/* The watermarks in force (all 0 before vm_pageout_init). */
struct vm_pageout_levels vm_pageout_levels(void);

/* The pager credits' pool: default share, cap, what is charged (vm_credit.h). */
struct vm_credit_pool vm_pageout_credits(void);

/* Frame @pa now holds a resident object page: a candidate unless pinned or wired. */
void vm_pageout_candidate_add(paddr_t pa);
/* Frame @pa is no longer a candidate (its page left, or it was pinned). */
void vm_pageout_candidate_remove(paddr_t pa);

/*
 * May the current thread take a frame now? Always above the reserve; at or
 * below it the default pager, drivers and kernel threads may, and a task
 * serving memory objects may within its credit (one frame is charged to it).
 * Also for allocations on a task's behalf that cannot wait (copying
 * out-of-line pages of a message).
 */
bool vm_pageout_reserve_ok(void);

/*
 * @task gave @n frames back to the free list (it deallocated memory, or it
 * ended): as many of its pager credit charges of this episode are cancelled.
 */
void vm_pageout_frames_given_back(struct task *task, uint64_t n);

/*
 * Before a fault of the current thread takes a new page: VM_FAULT_OK to go
 * on, VM_FAULT_RETRY after waiting for pageout to free frames (look again),
 * or VM_FAULT_NOMEM when nothing can be evicted. The default pager, drivers
 * and kernel threads never wait: the reserve is theirs; other pagers wait
 * once their credit is spent.
 */
enum vm_fault_result vm_pageout_throttle(void);

/* Is @t waiting in vm_pageout_throttle for frames? (For reports.) */
bool vm_pageout_waits_for_frames(const struct thread *t);

/*
 * One round of eviction: at most @max pages leave memory (clean ones are
 * freed, dirty ones go to their pagers). Returns the number evicted. The
 * pageout thread calls it; tests call it directly.
 */
uint32_t vm_pageout_scan(uint32_t max);

/* Is @t the default pager or a driver (it takes from the reserve, and its laundry always goes)? */
bool vm_pageout_privileged_task(const struct task *t);

/* Print free memory, the laundry, credits and the pageout thread, lines starting with @prefix. */
void vm_pageout_report(const char *prefix);

#endif
