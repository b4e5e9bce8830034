/*
 * Shared by the in-guest external pager tests and their helper task
 * (pager_child.c): the page pattern a test pager supplies, a receive helper
 * that decodes one kernel -> pager message (memory_object.idl) into an event,
 * supplying pattern pages through memory_object_control, and small thread and
 * waiting helpers. Written directly on the generated stubs, on purpose
 * independent of the pager framework in pager/.
 */
#ifndef TESTS_PAGER_UTIL_H
#define TESTS_PAGER_UTIL_H

#include <abi/page.h>
#include <ipc/ipc.h>
#include <ipc/sys.h>
#include <stdbool.h>
#include <stdint.h>

#define PT_WORDS (PAGE_SIZE / 8)
#define PT_MS 1000000ull
#define PT_SEC 1000000000ull

/* Access codes of data_request (memory_object.idl). */
#define PT_ACCESS_READ 1u
#define PT_ACCESS_WRITE 2u

/* lock_request ops and the data_supply flag (memory_object_control.idl). */
#define PT_LOCK_WRITE_PROTECT 3u
#define PT_LOCK_GRANT_WRITE 4u
#define PT_SUPPLY_READ_ONLY 1u

/* Helper -> spawner on the bootstrap port: desc[0] is a send right to its pager port. */
#define PT_ID_HELLO 0x300u

/* Word @j of the page at object offset @offset, varied by @salt. */
static inline uint64_t pt_word(uint64_t offset, uint64_t j, uint64_t salt)
{
    return 0x5eed0000c0de0000ull ^ offset ^ (j << 48) ^ salt;
}

/* What one kernel -> pager message said. */
enum pt_kind { PT_NONE, PT_INIT, PT_REQUEST, PT_RETURN, PT_TERMINATE, PT_EVACUATE };
struct pt_event {
    enum pt_kind kind;
    uint64_t object;     /* every kind */
    uint64_t size;       /* PT_INIT */
    uint64_t owner;      /* PT_INIT: the task the object is charged to */
    port_name_t control; /* PT_INIT: the object's control port (a send right we own) */
    uint64_t offset;     /* PT_REQUEST, PT_RETURN */
    uint64_t count;      /* PT_REQUEST; PT_EVACUATE: the pages to hand over, at most */
    uint32_t access;     /* PT_REQUEST */
    uint64_t word0;      /* PT_RETURN: the first word of the returned page */
    void *pages;         /* PT_RETURN with pt_keep_returns: the returned page, now ours */
};

/* Keep returned pages (struct pt_event.pages) instead of releasing them. */
extern bool pt_keep_returns;

/*
 * Receive one message on @port (waiting at most @timeout_ns) and decode it
 * with memory_object_dispatch into *@ev. Returns 0, the receive's error
 * (-ERR_TIMEOUT), -ERR_INVAL for a message that is not a well-formed
 * memory_object message, or -ERR_PERM for one a task sent, not the kernel
 * (IPC_FLAG_KERNEL unset): their rights and pages are released.
 */
long pt_recv(port_name_t port, struct pt_event *ev, uint64_t timeout_ns);

/* pt_recv, and check (as a test failure otherwise) that the event is @kind. */
bool pt_expect(port_name_t port, struct pt_event *ev, enum pt_kind kind, uint64_t timeout_ns);

/* True when no message arrives on @port within @timeout_ns (one arriving is consumed). */
bool pt_quiet(port_name_t port, uint64_t timeout_ns);

/* True when the @PT_WORDS words at @page hold the pattern of @offset and @salt. */
bool pt_page_ok(const volatile uint64_t *page, uint64_t offset, uint64_t salt);

/*
 * Supply @npages pattern pages (@salt) at @offset of the object of @control
 * with data_supply flags @flags: the pages are filled in a fresh region of
 * ours and moved to the kernel; the region is released afterwards. Returns
 * the kernel's answer (0 or -ERR_*) or an IPC or allocation error.
 */
long pt_supply(port_name_t control, uint64_t offset, uint64_t npages, uint64_t flags,
               uint64_t salt);

/* lock_request @op on the range, its vetoes not asked for. Returns the kernel's answer. */
long pt_lock(port_name_t control, uint64_t offset, uint64_t count, uint32_t op);

/* Start a thread running @fn(@arg) on a small stack. Returns the thread id or -ERR_*. */
long pt_thread(void (*fn)(void *arg), void *arg);

/* Wait (polling) until *@counter reaches @want or @timeout_ns pass. True when it did. */
bool pt_wait_count(const volatile unsigned *counter, unsigned want, uint64_t timeout_ns);

/* Atomically add one to *@counter. */
static inline void pt_count(volatile unsigned *counter)
{
    __atomic_fetch_add(counter, 1u, __ATOMIC_SEQ_CST);
}

/* Wait for child @task; store how it ended in *@st. Returns 0 or -ERR_* (a test failure). */
long pt_wait_task(long task, struct task_status *st);

#endif
