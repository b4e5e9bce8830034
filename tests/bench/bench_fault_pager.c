/*
 * The pager of the fault benchmark, run as a child task ("bench_fault
 * pager"). It is built on the pager framework but runs its own receive loop,
 * so that it can read the TSC right after each receive returns and handle the
 * benchmark's own messages. Store objects get a copy of a store page (made
 * with rep movsq, as the kernel's memcpy does) in a page of a pre-touched
 * pool, moved to the kernel with data_supply; zero objects get
 * data_unavailable, the default pager's answer.
 */
#include "bench_fault.h"

#include <ipc/fmt.h>
#include <ipc/ipc.h>
#include <ipc/prefault.h>
#include <ipc/sys.h>
#include <memory_object_defs.h>
#include <pager/pager.h>

#define BENCH_ARENA (1ul << 20) /* the framework's bookkeeping */
#define BENCH_KPAGED (VM_PROT_READ | VM_PROT_WRITE | VM_ALLOC_KERNEL_PAGER)

extern port_name_t ipc_bootstrap_port; /* libipc/src/start.c */

static struct pager bench_pager;
static struct ipc_message bench_in, bench_out;
static unsigned bench_next_kind; /* enum bench_kind of the next object */
static uint8_t *bench_store;     /* BENCH_STORE_PAGES pages */
static uint8_t *bench_pool;      /* pre-touched pages the copies go to */
static uint64_t bench_pool_pages, bench_pool_next;
static uint64_t bench_received; /* TSC when the last receive returned */
static struct bench_log_entry bench_log[BENCH_LOG_MAX] __attribute__((aligned(4096)));
static uint64_t bench_log_count;

/* Copy one page from @src to @dst with rep movsq. */
static void bench_copy_page(void *dst, const void *src)
{
    uint64_t quads = PAGE_SIZE / 8;

    __asm__ volatile("rep movsq" : "+D"(dst), "+S"(src), "+c"(quads) : : "memory");
}

/* Note the receive and answer times of the request being answered; its log entry. */
static struct bench_log_entry *bench_log_answer(void)
{
    static struct bench_log_entry overflow;
    uint64_t now = bench_rdtsc();
    struct bench_log_entry *e =
        bench_log_count < BENCH_LOG_MAX ? &bench_log[bench_log_count++] : &overflow;

    *e = (struct bench_log_entry){bench_received, now, 0};
    return e;
}

/* Supply page @offset of @obj from the store; data_error when the pool is used up. */
static void bench_supply_store(struct pager_object *obj, uint64_t offset)
{
    if (bench_pool_next >= bench_pool_pages) {
        printf("bench_fault pager: pool used up at offset %lu\n", (unsigned long)offset);
        pager_data_error(obj, offset, PAGE_SIZE, -ERR_NOMEM);
        return;
    }
    uint8_t *page = bench_pool + bench_pool_next++ * PAGE_SIZE;
    bench_copy_page(page, bench_store + (offset / PAGE_SIZE % BENCH_STORE_PAGES) * PAGE_SIZE);
    struct bench_log_entry *e = bench_log_answer();
    int err = pager_data_supply(obj, offset, page, PAGE_SIZE, 0);
    e->returned = bench_rdtsc();
    if (err < 0)
        printf("bench_fault pager: supply %lu: %s\n", (unsigned long)offset, err_text(err));
}

/* on_data_request: zero objects are unavailable, store objects copied page by page. */
static void bench_request(struct pager *pager, struct pager_object *obj, uint64_t offset,
                          uint64_t count, unsigned access)
{
    (void)pager, (void)access;
    if ((uintptr_t)obj->data == BENCH_KIND_STORE) {
        for (uint64_t at = offset; at < offset + count; at += PAGE_SIZE)
            bench_supply_store(obj, at);
        return;
    }
    struct bench_log_entry *e = bench_log_answer();
    int err = pager_data_unavailable(obj, offset, count);
    e->returned = bench_rdtsc();
    if (err < 0)
        printf("bench_fault pager: unavailable %lu: %s\n", (unsigned long)offset, err_text(err));
}

/* on_init: the object is of the kind the benchmark announced last. */
static int bench_object_init(struct pager *pager, struct pager_object *obj)
{
    (void)pager;
    obj->data = (void *)(uintptr_t)bench_next_kind;
    return 0;
}

static const struct pager_ops bench_pager_ops = {
    .on_init = bench_object_init,
    .on_data_request = bench_request,
};

/* A new region of @pages kernel-paged pages, every one touched now; NULL on failure. */
static uint8_t *bench_touched_region(uint64_t pages)
{
    long base = sys_vm_allocate(pages * PAGE_SIZE, BENCH_KPAGED);

    if (base < 0)
        return NULL;
    for (uint64_t i = 0; i < pages; i++)
        *(volatile uint8_t *)(base + i * PAGE_SIZE) = 0;
    return (uint8_t *)base;
}

/* PREPARE: the next objects' kind, a fresh pool of w[1] pages, the log reset if w[2]. */
static long bench_prepare(struct ipc_message *m)
{
    if (bench_pool != NULL)
        sys_vm_deallocate(bench_pool, bench_pool_pages * PAGE_SIZE);
    bench_pool = NULL;
    bench_pool_pages = bench_pool_next = 0;
    bench_next_kind = (unsigned)m->w[0];
    if (m->w[2])
        bench_log_count = 0;
    if (m->w[1] == 0)
        return 0;
    bench_pool = bench_touched_region(m->w[1]);
    if (bench_pool == NULL)
        return -ERR_NOMEM;
    bench_pool_pages = m->w[1];
    return 0;
}

/* Answer a benchmark message @m in place. Returns true for QUIT. */
static bool bench_control(struct ipc_message *m)
{
    uint32_t id = m->id;
    long err = id == BENCH_ID_PREPARE ? bench_prepare(m) : 0;

    ipc_msg_init(m, m->remote, IPC_DISP_MOVE_SEND_ONCE, id | IPC_ID_REPLY);
    m->w[0] = (uint64_t)err;
    if (id == BENCH_ID_LOG) {
        m->w[0] = bench_log_count;
        ipc_add_ool(m, bench_log, sizeof(bench_log), IPC_OOL_COPY);
    }
    ipc_send(m, 0);
    return id == BENCH_ID_QUIT;
}

/* Receive, stamp, dispatch; returns when the benchmark says QUIT or the port is gone. */
static int bench_pager_loop(void)
{
    for (;;) {
        long err = ipc_recv(&bench_in, bench_pager.port, IPC_TIMEOUT_NONE);
        bench_received = bench_rdtsc();
        if (err == -ERR_NAME || err == -ERR_RIGHT || err == -ERR_DEAD)
            return 1;
        if (err < 0)
            continue;
        if (bench_in.id >= BENCH_ID_HELLO && bench_in.id <= BENCH_ID_QUIT) {
            if (bench_control(&bench_in))
                return 0;
        } else if (MEMORY_OBJECT_ID_IS(bench_in.id) && !(bench_in.flags & IPC_FLAG_KERNEL)) {
            ipc_msg_destroy(&bench_in); /* a task's forgery: only the kernel speaks for objects */
        } else if (memory_object_dispatch(&bench_pager, &bench_in, &bench_out)) {
            ipc_send(&bench_out, 0);
        }
    }
}

/* Set up the arena, the store (page i filled with bench_store_word(i)) and the pager. */
static int bench_pager_setup(void)
{
    uint8_t *arena = bench_touched_region(BENCH_ARENA / PAGE_SIZE);

    bench_store = bench_touched_region(BENCH_STORE_PAGES);
    if (arena == NULL || bench_store == NULL)
        return -ERR_NOMEM;
    for (uint64_t i = 0; i < BENCH_STORE_PAGES; i++)
        for (uint64_t q = 0; q < PAGE_SIZE / 8; q++)
            ((uint64_t *)(bench_store + i * PAGE_SIZE))[q] = bench_store_word(i);
    for (uint64_t i = 0; i < sizeof(bench_log); i += PAGE_SIZE)
        ((volatile uint8_t *)bench_log)[i] = 0;
    pager_mem_add(arena, BENCH_ARENA);
    return pager_init(&bench_pager, &bench_pager_ops, NULL, PORT_NULL);
}

int bench_pager_main(void)
{
    struct ipc_message *m = &bench_in;

    prefault_stack(16 * 1024);
    int err = bench_pager_setup();
    if (err < 0) {
        printf("FAIL: bench_fault pager: setup: %s\n", err_text(err));
        return 1;
    }
    ipc_msg_init(m, ipc_bootstrap_port, IPC_DISP_COPY_SEND, BENCH_ID_HELLO);
    ipc_add_port(m, bench_pager.port, IPC_DISP_MAKE_SEND);
    if (ipc_send(m, IPC_TIMEOUT_NONE) < 0)
        return 1;
    port_deallocate(ipc_bootstrap_port);
    return bench_pager_loop();
}
