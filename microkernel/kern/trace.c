/*
 * Fault traces: a ring of stamps (abi/trace.h). SYS_TRACE_START asks for the
 * next N faults; each gets a number at its trap, and every step of it until
 * the faulting instruction runs again is stamped. Requests to pagers are
 * remembered (a few at a time) so that a pager's own marks, sent with the
 * object and offset of the request, and the supply join the right fault.
 * A full ring drops stamps and counts them; reading empties it.
 */
#include <abi/errors.h>
#include <arch/arch.h>
#include <kern/printk.h>
#include <kern/trace.h>
#include <lib/lib.h>
#include <task/task.h>

#define TRACE_RING 2048u   /* stamps kept, a power of two */
#define TRACE_INFLIGHT 16u /* traced requests to pagers at once */

uint32_t trace_budget;
uint32_t trace_inflight;

static struct {
    struct trace_event ring[TRACE_RING];
    uint32_t head, tail; /* free-running */
    uint64_t dropped;
    uint64_t next_fault;
    struct {
        uint64_t fault, addr, object, offset;
        uint32_t task, pager;
    } req[TRACE_INFLIGHT]; /* fault 0: a free slot */
} tr;

static void trace_put(uint64_t fault, uint64_t addr, uint32_t task, enum trace_step step)
{
    if (tr.head - tr.tail == TRACE_RING) {
        tr.dropped++;
        return;
    }
    tr.ring[tr.head++ % TRACE_RING] = (struct trace_event){
        .cycles = arch_cycles(), .fault = fault, .addr = addr, .step = step, .task = task};
}

static uint32_t task_id_of(struct thread *t)
{
    return t->task ? t->task->id : 0;
}

void trace_fault_start(struct thread *t, uint64_t addr)
{
    trace_budget--;
    t->trace_fault = ++tr.next_fault;
    t->trace_addr = addr;
    trace_put(t->trace_fault, addr, task_id_of(t), TRACE_TRAP);
}

void trace_record(struct thread *t, enum trace_step step)
{
    KASSERT(t->trace_fault != 0 && step < TRACE_STEP_COUNT);
    trace_put(t->trace_fault, t->trace_addr, task_id_of(t), step);
    if (step == TRACE_RESTART)
        t->trace_fault = 0; /* the fault is over */
}

void trace_request(struct thread *t, uint64_t object, uint64_t offset, uint32_t pager)
{
    KASSERT(t->trace_fault != 0);
    trace_record(t, TRACE_REQUEST);
    for (unsigned i = 0; i < TRACE_INFLIGHT; i++) {
        if (tr.req[i].fault)
            continue;
        tr.req[i].fault = t->trace_fault;
        tr.req[i].addr = t->trace_addr;
        tr.req[i].task = task_id_of(t);
        tr.req[i].object = object;
        tr.req[i].offset = offset;
        tr.req[i].pager = pager;
        trace_inflight++;
        return;
    }
    tr.dropped++; /* too many at once: its pager's marks will not be joined */
}

static int request_find(uint64_t object, uint64_t offset)
{
    for (unsigned i = 0; i < TRACE_INFLIGHT; i++)
        if (tr.req[i].fault && tr.req[i].object == object && tr.req[i].offset == offset)
            return (int)i;
    return -1;
}

void trace_supplied(uint64_t object, uint64_t offset)
{
    int i = request_find(object, offset);

    if (i < 0)
        return;
    KASSERT(trace_inflight > 0);
    trace_put(tr.req[i].fault, tr.req[i].addr, tr.req[i].task, TRACE_SUPPLIED);
    tr.req[i].fault = 0;
    trace_inflight--;
}

void trace_restart(uint32_t faults)
{
    trace_budget = faults; /* faults already numbered keep their stamps coming */
    tr.tail = tr.head;
    tr.dropped = 0;
}

bool trace_take(struct trace_event *out)
{
    if (tr.head == tr.tail)
        return false;
    *out = tr.ring[tr.tail % TRACE_RING];
    return true;
}

void trace_taken(void)
{
    tr.tail++;
}

int trace_mark(uint32_t pager, enum trace_step step, uint64_t object, uint64_t offset)
{
    int i = trace_inflight ? request_find(object, offset) : -1;

    if (step != TRACE_PAGER && step != TRACE_STORE && step != TRACE_DISK)
        return -ERR_INVAL;
    if (i < 0)
        return -ERR_NOENT;
    if (tr.req[i].pager != pager)
        return -ERR_PERM;
    trace_put(tr.req[i].fault, tr.req[i].addr, tr.req[i].task, step);
    return 0;
}
