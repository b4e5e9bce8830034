/*
 * The machine-independent page-fault handler and the in-kernel pager. A
 * fault is looked up in the task's address map; a valid one gets a frame
 * filled from the region's backing (zero or image copy) and mapped.
 */
#ifndef KERNEL_VM_FAULT_H
#define KERNEL_VM_FAULT_H

#include <abi/syscall.h>
#include <mmu.h>
#include <stdint.h>

struct vm_map;
struct vm_object;

enum vm_fault_result {
    VM_FAULT_OK = 0,
    VM_FAULT_UNMAPPED,      /* no region covers the address */
    VM_FAULT_PROTECTION,    /* the region forbids this access */
    VM_FAULT_GUARD,         /* the stack guard page: stack overflow */
    VM_FAULT_NOMEM,         /* no frame for the page */
    VM_FAULT_NOT_USER,      /* the address is in the kernel half or not canonical */
    VM_FAULT_PAGER_ERROR,   /* the pager reported an error, or died */
    VM_FAULT_PAGER_TIMEOUT, /* the pager did not answer in time */
    VM_FAULT_RETRY,         /* (internal) the thread waited for a pager: look again */
    VM_FAULT_RETRY_TIMEOUT, /* (internal) the wait timed out: look again, then fail it */
    VM_FAULT_RESUMED,       /* (internal) the pager's answer mapped the page: done */
};

/* The wake result of a fault the pager's answer completed (vm_fault_wake_filled). */
#define VM_WAKE_MAPPED 1

struct vm_stats {
    uint64_t faults, zero_fills, image_copies;
    uint64_t pager_requests, pager_supplies;
    uint64_t pageouts, store_ins;      /* pushed out of memory; read back from the kernel store */
    uint64_t evict_clean, evict_dirty; /* pageout thread: dropped; sent to the pager */
    uint64_t pageout_scans, throttled; /* pageout rounds; faults that waited for frames */
    uint64_t spaces_created, spaces_destroyed, exit_pages; /* address maps made and torn down */
    /* pager credits: frames taken on credit, waits of pagers on spent credit,
     * times pageout held a modified page back from an ordinary pager */
    uint64_t credit_taken, credit_waits, returns_deferred;
    uint64_t mapped_around;   /* pages mapped next to a fault a pager served */
    uint64_t mapped_supplied; /* pages mapped by their supply (SUPPLY_MAP), counted apart */
    uint64_t faults_resumed;  /* user faults the pager's answer completed (vm_fault_wake_filled) */
};
extern struct vm_stats vm_stats;
extern struct vm_fault_trace vm_last_fault_trace; /* abi/syscall.h */

/*
 * Make the page holding @va resident in @map for @access, filling it from
 * the region's backing on first touch. On VM_FAULT_OK the frame is in *@pa.
 */
enum vm_fault_result vm_fault_page(struct vm_map *map, vaddr_t va, enum mmu_access access,
                                   paddr_t *pa);
const char *vm_fault_result_text(enum vm_fault_result r);

/*
 * A page fault of the current thread in user mode: resolve it, or log one
 * line (task, address, access, reason, pc) and end the task. Returns only
 * when the thread may retry the faulting instruction.
 */
void vm_fault_user(const struct mmu_fault *fault, uint64_t pc);

struct vm_page;
/*
 * Busy page @p has just got its frame: wake the faults waiting on it. A
 * user fault whose region still maps the page, for its access, gets it
 * mapped here and resumes at once (VM_WAKE_MAPPED: the fault fast path);
 * any other waiter looks the fault up again.
 */
void vm_fault_wake_filled(struct vm_page *p);
/*
 * Map the @n pages of @obj from @offset, just supplied and resident (a
 * pager's SUPPLY_MAP: a working set brought back ahead of its faults),
 * where a region maps them and nothing maps them yet, as read faults
 * would. Only the first VM_SUPPLY_MAP_REGIONS regions mapping @obj are
 * visited: bounded work, however often a task maps the object.
 */
#define VM_SUPPLY_MAP_REGIONS 4u
void vm_fault_map_supplied(struct vm_object *obj, uint64_t offset, uint32_t n);

#endif
