/*
 * Fault traces (SYS_TRACE_START, SYS_TRACE_READ, SYS_TRACE_MARK): the ten
 * steps of handling a page fault (Modern Operating Systems, section 3.6.2)
 * and the arrows of Fig. 3-29, each stamped with the cycle counter as it
 * happens, for the next N faults of any task. The kernel stamps its own
 * steps; a pager stamps the ones in user space (it receives the request,
 * asks the backing store, the data is back) on a request whose access
 * carries MEMORY_OBJECT_ACCESS_TRACED.
 */
#ifndef ABI_TRACE_H
#define ABI_TRACE_H

#include <stdint.h>

enum trace_step {
    TRACE_TRAP = 1, /* 1: the hardware traps to the kernel */
    TRACE_DECODED,  /* 2: registers saved; the MMU handler decoded the fault */
    TRACE_FOUND,    /* 3: the fault handler found the region of the virtual page */
    TRACE_CHECKED,  /* 4: address and access valid, a frame may be taken */
    TRACE_FRAMES,   /* 5: no free frame: waits for pageout to clean and free some */
    TRACE_REQUEST,  /* 6: data_request to the pager (Fig. 3-29, arrow 2) */
    TRACE_PAGER,    /*    the pager received it (a pager's mark) */
    TRACE_STORE,    /*    the pager asks the backing store (arrow 3; a pager's mark) */
    TRACE_DISK,     /*    the disk transfer is done, data back (arrow 4; a pager's mark) */
    TRACE_SUPPLIED, /* 7: the page is filled in the kernel (arrow 5: supply or zero fill) */
    TRACE_RESUMED,  /* 9 (first half): the faulting thread runs again after the wait */
    TRACE_MAPPED,   /* 8: the page table maps the page (arrow 6) */
    TRACE_RESTART,  /* 10: back to user mode: the faulting instruction runs again */
    TRACE_STEP_COUNT,
};

/* One stamp. A fault's stamps share its @fault number (1, 2, ... since the trace started). */
struct trace_event {
    uint64_t cycles; /* the cycle counter (TSC) when it happened */
    uint64_t fault;
    uint64_t addr; /* the faulting address */
    uint32_t step; /* enum trace_step */
    uint32_t task; /* the faulting task */
};
_Static_assert(sizeof(struct trace_event) == 32, "trace_event layout");

/* A data_request's access word has this bit when the fault is traced. */
#define MEMORY_OBJECT_ACCESS_TRACED 0x100u

#endif
