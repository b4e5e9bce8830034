/*
 * Fault traces (abi/trace.h): the steps of the next N page faults, stamped
 * into a ring that a holder of the host-privilege right reads. When no
 * trace is asked for, a step costs one test of a per-thread word.
 */
#ifndef KERN_TRACE_H
#define KERN_TRACE_H

#include <abi/trace.h>
#include <task/sched.h>

struct task;

extern uint32_t trace_budget; /* faults still to trace; 0: off */

void trace_fault_start(struct thread *t, uint64_t addr);
void trace_record(struct thread *t, enum trace_step step);

/*
 * A fault of @t at @addr begins (its trap): number it if faults are traced.
 * The fault handler clears t->trace_fault when the traced fault ends.
 */
static inline void trace_fault_begin(struct thread *t, uint64_t addr)
{
    if (__builtin_expect(trace_budget != 0, 0))
        trace_fault_start(t, addr);
}

/* Stamp @step of @t's fault, if it is traced. */
static inline void trace_step(struct thread *t, enum trace_step step)
{
    if (__builtin_expect(t->trace_fault != 0, 0))
        trace_record(t, step);
}

/*
 * @t's traced fault sends data_request for (@object, @offset) to the pager
 * task @pager: stamped, and remembered so that the pager's marks and the
 * supply find the fault.
 */
void trace_request(struct thread *t, uint64_t object, uint64_t offset, uint32_t pager);
/* The page (@object, @offset) was filled: stamp the traced fault waiting for it, if any. */
void trace_supplied(uint64_t object, uint64_t offset);
extern uint32_t trace_inflight; /* traced requests not yet supplied */

/* Empty the ring and trace the next @faults faults (0: stop). */
void trace_restart(uint32_t faults);
/* The oldest stamp into *@out, false when none; trace_taken() then drops it. */
bool trace_take(struct trace_event *out);
void trace_taken(void);
/*
 * Pager task @pager's @step (TRACE_PAGER, _STORE, _DISK) of the traced
 * request for (@object, @offset): 0, -ERR_INVAL, -ERR_NOENT (no such traced
 * request) or -ERR_PERM (sent to another pager).
 */
int trace_mark(uint32_t pager, enum trace_step step, uint64_t object, uint64_t offset);

#endif
