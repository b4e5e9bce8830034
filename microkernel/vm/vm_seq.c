/*
 * Sequential-fault detection (vm_seq.h): the window of a data_request grows
 * while faults follow each other through an object, and falls back to one
 * page on any other fault. Pure arithmetic, tested on the host.
 */
#include <lib/lib.h>
#include <vm/vm_seq.h>

uint32_t vm_seq_fault(struct vm_seq *s, uint64_t offset)
{
    bool follows = s->window != 0 && offset >= s->next && offset <= s->reach;
    uint32_t window = 1;

    if (follows)
        window = s->window >= VM_SEQ_WINDOW_MAX / 2 ? VM_SEQ_WINDOW_MAX : s->window * 2;
    s->window = window;
    s->next = offset + PAGE_SIZE;
    s->reach = offset + (uint64_t)window * PAGE_SIZE;
    return window;
}
