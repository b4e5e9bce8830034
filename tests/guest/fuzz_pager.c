/*
 * The fuzzer's lying pager: a thread of the fuzzer receiving on a port the
 * fuzzer maps regions from. For each data_request it first gives up to
 * three bogus answers (supplies of other, unaligned or out-of-range
 * offsets, pages it does not own, unknown flags, lock requests with bad
 * ops, errors for pages nobody asked for, garbage messages to the control
 * port), then a true one (zero fill, pattern pages, or write permission), so
 * the fuzzer's own faults always end. Every kernel -> pager message is
 * decoded by pager_util's pt_recv; returned pages are released there.
 */
#include "fuzz.h"
#include "pager_util.h"

#include <abi/page.h>
#include <ipc/ipc.h>
#include <ipc/sys.h>
#include <memory_object_control_defs.h>

#define FUZZ_PAGER_OBJECTS 32u
#define FUZZ_BAD_ADDR ((const void *)0x0000310000000000ull)

struct fuzz_lying fuzz_lying[FUZZ_LYING_MAX];
volatile unsigned fuzz_pager_lies, fuzz_pager_answers;

static port_name_t fuzz_pager_port;
/* Object ids and their control ports, from init messages. */
static struct {
    uint64_t object;
    port_name_t control;
} fuzz_objects[FUZZ_PAGER_OBJECTS];
static struct ipc_message fuzz_garbage;
static uint64_t fuzz_pager_rng;

static uint64_t fuzz_below(uint64_t n)
{
    return fuzz_rand(&fuzz_pager_rng, n);
}

static port_name_t fuzz_pager_control(uint64_t object)
{
    for (unsigned i = 0; i < FUZZ_PAGER_OBJECTS; i++)
        if (fuzz_objects[i].control && fuzz_objects[i].object == object)
            return fuzz_objects[i].control;
    return PORT_NULL;
}

/* Remember @object's control port; the slot of a terminated object is reused. */
static void fuzz_pager_init(uint64_t object, port_name_t control)
{
    for (unsigned i = 0; i < FUZZ_PAGER_OBJECTS; i++)
        if (!fuzz_objects[i].control) {
            fuzz_objects[i].object = object;
            fuzz_objects[i].control = control;
            fuzz_protect(control);
            return;
        }
    port_deallocate(control); /* more objects than slots: it will never be served */
}

/* The object is gone: its control port died, our name for it goes. */
static void fuzz_pager_terminate(uint64_t object)
{
    for (unsigned i = 0; i < FUZZ_PAGER_OBJECTS; i++)
        if (fuzz_objects[i].control && fuzz_objects[i].object == object) {
            fuzz_unprotect(fuzz_objects[i].control);
            port_destroy(fuzz_objects[i].control);
            fuzz_objects[i].control = PORT_NULL;
        }
}

/* A message of a random id (not data_error or refuse) and words, maybe with pages, to @control. */
static void fuzz_pager_garbage(port_name_t control)
{
    struct ipc_message *m = &fuzz_garbage;

    uint32_t id = MEMORY_OBJECT_CONTROL_BASE + (uint32_t)fuzz_below(12);

    if (id == MEMORY_OBJECT_CONTROL_DATA_ERROR_ID || /* they could fail the fault that waits */
        id == MEMORY_OBJECT_CONTROL_REFUSE_ID)
        id = MEMORY_OBJECT_CONTROL_BASE + 12;
    ipc_msg_init(m, control, IPC_DISP_COPY_SEND, id);
    for (unsigned i = 0; i < IPC_WORDS; i++)
        m->w[i] = fuzz_below(2) ? fuzz_below(8) * PAGE_SIZE : fuzz_below(0);
    if (fuzz_below(3) == 0)
        ipc_add_ool(m, FUZZ_BAD_ADDR, PAGE_SIZE * (1 + fuzz_below(3)), IPC_OOL_MOVE);
    if (fuzz_below(3) == 0)
        ipc_set_inline(m, (uint32_t)fuzz_below(600));
    if (fuzz_below(2))
        ipc_call(m, 0);
    else
        ipc_send(m, 0);
}

/*
 * One bogus answer to request @ev of an object of @size bytes. Its pages
 * stay alone: an error for them would be the truth a pager may tell, and
 * fail the fuzzer's own fault.
 */
static void fuzz_pager_lie(port_name_t control, const struct pt_event *ev, uint64_t size)
{
    uint64_t offset = ev->offset, other = fuzz_below(2 * size / PAGE_SIZE) * PAGE_SIZE;

    if (other >= offset && other < offset + ev->count)
        other = size + PAGE_SIZE; /* past the end instead */

    fuzz_pager_lies++;
    switch (fuzz_below(9)) {
    case 0:
        pt_supply(control, other, 1 + fuzz_below(2), 0, 7);
        break;
    case 1:
        pt_supply(control, offset + 8 * fuzz_below(512), 1, 0, 7);
        break;
    case 2:
        pt_supply(control, offset, 1, 0x80 | fuzz_below(256), 7);
        break;
    case 3:
        memory_object_control_data_supply(control, offset, 0, FUZZ_BAD_ADDR, PAGE_SIZE);
        break;
    case 4:
        memory_object_control_data_unavailable(control, offset, size + PAGE_SIZE);
        break;
    case 5:
        memory_object_control_data_error(control, other, PAGE_SIZE, -(long)fuzz_below(30));
        break;
    case 6:
        pt_lock(control, fuzz_below(2) ? offset : fuzz_below(0), PAGE_SIZE * fuzz_below(4),
                (uint32_t)fuzz_below(9));
        break;
    case 7:
        memory_object_control_store_full(control, fuzz_below(3));
        break;
    default:
        fuzz_pager_garbage(control);
        break;
    }
}

/*
 * The true answer to a request: it must end the fault that waits on it. A
 * lie may have filled the page already (then supplies fail with -ERR_BUSY
 * and a write waits for the grant); granting write to a page still busy
 * does nothing, so the grant comes last.
 */
static void fuzz_pager_answer(port_name_t control, const struct pt_event *ev)
{
    long err = -ERR_INVAL;

    fuzz_pager_answers++;
    if (fuzz_below(2))
        err = pt_supply(control, ev->offset, 1, fuzz_below(4) == 0 ? PT_SUPPLY_READ_ONLY : 0, 3);
    if (err)
        err = memory_object_control_data_unavailable(control, ev->offset, PAGE_SIZE);
    if (err || (ev->access & PT_ACCESS_WRITE))
        pt_lock(control, ev->offset, PAGE_SIZE, PT_LOCK_GRANT_WRITE);
}

static void fuzz_pager_loop(void *arg)
{
    struct pt_event ev;

    (void)arg;
    for (;;) {
        if (pt_recv(fuzz_pager_port, &ev, IPC_TIMEOUT_NONE) != 0)
            continue;
        if (ev.kind == PT_INIT)
            fuzz_pager_init(ev.object, ev.control);
        else if (ev.kind == PT_TERMINATE)
            fuzz_pager_terminate(ev.object);
        if (ev.kind != PT_REQUEST)
            continue;
        port_name_t control = fuzz_pager_control(ev.object);
        if (!control)
            continue;
        for (uint64_t n = fuzz_below(4); n > 0; n--)
            fuzz_pager_lie(control, &ev, FUZZ_LYING_PAGES * PAGE_SIZE);
        fuzz_pager_answer(control, &ev);
    }
}

port_name_t fuzz_pager_start(uint64_t seed)
{
    fuzz_pager_rng = seed | 1;
    if (port_allocate(IPC_RIGHT_RECEIVE, &fuzz_pager_port) != 0)
        return PORT_NULL;
    fuzz_protect(fuzz_pager_port);
    if (pt_thread(fuzz_pager_loop, NULL) < 0)
        return PORT_NULL;
    return fuzz_pager_port;
}
