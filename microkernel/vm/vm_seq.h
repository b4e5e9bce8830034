/*
 * Sequential-fault detection for the requests to external pagers: each
 * object remembers where its last request started and how far it reached,
 * and a fault that lands just past the last faulting page (a pager that
 * answered one page) or anywhere up to the end of the last range (one that
 * answered the whole range, mapped by the fault-around) doubles the range
 * the next data_request asks for, up to VM_SEQ_WINDOW_MAX pages. Any other
 * fault starts again at one page, so random faults cost nothing more.
 */
#ifndef KERNEL_VM_SEQ_H
#define KERNEL_VM_SEQ_H

#include <stdint.h>

#define VM_SEQ_WINDOW_MAX 16u /* pages one data_request asks for, at most */

struct vm_seq {
    uint64_t next;   /* the page after the last faulting one */
    uint64_t reach;  /* the end of the range the last request asked for */
    uint32_t window; /* pages the last request asked for (0: none yet) */
};

/*
 * Note a fault at @offset (page aligned) that needs a request, and return
 * the number of pages (1 .. VM_SEQ_WINDOW_MAX) to ask for from @offset. The
 * caller clips it to what the object can take. No locks (the object's
 * state, under the caller's).
 */
uint32_t vm_seq_fault(struct vm_seq *s, uint64_t offset);

#endif
