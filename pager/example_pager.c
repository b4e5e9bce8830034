/*
 * An example external pager: an ordinary program on pager/lib (not the
 * default pager, no driver access) that keeps the pages pageout returns to
 * it in a store in its own anonymous memory, which the default pager in
 * turn pages: the layered case that needs the kernel's pager credits
 * (docs/pager.md). It serves one region to
 * a client task (this same program, started with "client"), which stamps
 * every page and reads all of them back. Arguments: factor=N (the region
 * is N times the usable frames, default 4), leak=N (touch N more pages of
 * a region of its own with every returned page, never freed: a runaway
 * pager).
 */
#include <ipc/fmt.h>
#include <ipc/ipc.h>
#include <ipc/string.h>
#include <ipc/sys.h>
#include <ipc/thread.h>
#include <lib/cmdline.h>
#include <lib/lib.h>
#include <pager/pager.h>

#define EX_STRIDE 61 /* words between two stamped words of a page */

static struct pager ex_pager;
static uint64_t ex_npages; /* pages of the object served, and of the store */
static char *ex_store;     /* the store: page i of the object at ex_store + i * PAGE_SIZE */
static uint64_t *ex_have;  /* bit i: page i is in the store */
static char *ex_buffer;    /* one page, refilled for each supply (the supply moves it) */
static unsigned ex_served; /* objects accepted */
static uint64_t ex_leak;   /* pages leaked per returned page */
static char *ex_leak_area; /* where they come from: one region, touched page by page */
static uint64_t ex_leak_pages;
static volatile uint64_t ex_from_store, ex_zero_fills; /* pages supplied each way */
static volatile uint64_t ex_leaked;

/* The number of option "@key=N" of the program's arguments, or @dflt when absent or malformed. */
static uint64_t ex_arg(int argc, char **argv, const char *key, uint64_t dflt)
{
    const char *v = cmdline_option(argc, argv, key);
    uint64_t n;

    return v != NULL && parse_u64(v, &n) ? n : dflt;
}

/* Word @j of the stamp of the page at @va. */
static uint64_t ex_word(uint64_t va, uint64_t j)
{
    return (va * 0x9e3779b97f4a7c15ull) ^ (j << 32) ^ 0x5eed;
}

/* The client: map the region served by @pager, stamp every page, read every page back. */
static int ex_client(port_name_t pager, uint64_t npages)
{
    long base = sys_vm_map(pager, npages * PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE);
    uint64_t bad = 0;

    if (base < 0) {
        printf("example_pager: client: vm_map: %s\n", err_text(base));
        return 1;
    }
    for (uint64_t va = (uint64_t)base; va < (uint64_t)base + npages * PAGE_SIZE; va += PAGE_SIZE)
        for (uint64_t j = 0; j < PAGE_SIZE / 8; j += EX_STRIDE)
            ((volatile uint64_t *)va)[j] = ex_word(va, j);
    for (uint64_t va = (uint64_t)base; va < (uint64_t)base + npages * PAGE_SIZE; va += PAGE_SIZE)
        for (uint64_t j = 0; j < PAGE_SIZE / 8; j += EX_STRIDE)
            if (((volatile uint64_t *)va)[j] != ex_word(va, j)) {
                if (bad++ < 4)
                    printf("example_pager: client: page at %lx reads back wrong\n",
                           (unsigned long)va);
                break;
            }
    printf("example_pager: client: %lu pages written, %lu read back wrong\n", (unsigned long)npages,
           (unsigned long)bad);
    sys_vm_deallocate((void *)base, npages * PAGE_SIZE);
    return bad ? 1 : 0;
}

/* Is page @i of the object in the store? */
static bool ex_stored(uint64_t i)
{
    return ex_have[i / 64] & (1ull << (i % 64));
}

/* Serve one object only, as large as the store. */
static int ex_init(struct pager *pager, struct pager_object *obj)
{
    (void)pager;
    return obj->size == ex_npages * PAGE_SIZE && !ex_served++ ? 0 : -ERR_INVAL;
}

/* Supply each page of the range from the store, or let the kernel zero fill it. */
static void ex_data_request(struct pager *pager, struct pager_object *obj, uint64_t offset,
                            uint64_t count, unsigned access)
{
    (void)pager;
    (void)access;
    for (uint64_t off = offset; off < offset + count && off < obj->size; off += PAGE_SIZE) {
        if (ex_stored(off / PAGE_SIZE)) {
            /* The buffer's page moves to the kernel; the store keeps its copy. */
            memcpy(ex_buffer, ex_store + off, PAGE_SIZE);
            pager_data_supply(obj, off, ex_buffer, PAGE_SIZE, 0);
            ex_from_store++;
        } else {
            pager_data_unavailable(obj, off, PAGE_SIZE);
            ex_zero_fills++;
        }
    }
}

/*
 * Copy the returned pages into the store (anonymous memory of this task,
 * paged by the default pager) and release them; with leak=N also touch N
 * fresh pages of its own for each and never free them.
 */
static void ex_data_return(struct pager *pager, struct pager_object *obj, uint64_t offset,
                           uint64_t dirty, void *pages, uint64_t size)
{
    (void)pager;
    (void)dirty;
    for (uint64_t off = 0; off < size && offset + off < obj->size; off += PAGE_SIZE) {
        uint64_t i = (offset + off) / PAGE_SIZE;
        memcpy(ex_store + offset + off, (char *)pages + off, PAGE_SIZE);
        ex_have[i / 64] |= 1ull << (i % 64);
    }
    sys_vm_deallocate(pages, size);
    for (uint64_t i = 0; i < ex_leak * (size / PAGE_SIZE) && ex_leaked < ex_leak_pages; i++) {
        volatile uint64_t *page = (volatile uint64_t *)(ex_leak_area + ex_leaked * PAGE_SIZE);
        *page = ex_leaked++; /* a new page of its own, kept for good */
    }
}

static const struct pager_ops ex_ops = {
    .on_init = ex_init,
    .on_data_request = ex_data_request,
    .on_data_return = ex_data_return,
};

/* The store and its bitmap for @npages pages, the supply buffer and the leak's region. */
static int ex_store_init(uint64_t npages)
{
    unsigned prot = VM_PROT_READ | VM_PROT_WRITE;
    long store = sys_vm_allocate(npages * PAGE_SIZE, prot);
    long have = sys_vm_allocate((npages + 63) / 64 * 8, prot);
    long buffer = sys_vm_allocate(PAGE_SIZE, prot);

    long leak = ex_leak ? sys_vm_allocate(npages * ex_leak * PAGE_SIZE, prot) : 0;

    if (store < 0 || have < 0 || buffer < 0 || leak < 0)
        return -ERR_NOMEM;
    ex_leak_area = (char *)leak;
    ex_leak_pages = ex_leak ? npages * ex_leak : 0;
    ex_npages = npages;
    ex_store = (char *)store;
    ex_have = (uint64_t *)have;
    ex_buffer = (char *)buffer;
    return 0;
}

static void ex_serve(void *arg)
{
    int err = pager_serve(arg, 1);

    printf("example_pager: serving stopped: %s\n", err_text(err));
}

int main(int argc, char **argv)
{
    struct vm_stat st;
    struct task_status status;
    char client_args[48];

    sys_vm_stat(&st);
    uint64_t npages = ex_arg(argc, argv, "factor", 4) * st.frames_total;
    if (cmdline_option(argc, argv, "client") != NULL)
        return ex_client(ipc_bootstrap_port, ex_arg(argc, argv, "pages", 1));
    ex_leak = ex_arg(argc, argv, "leak", 0);
    int err = ex_store_init(npages);
    if (err == 0)
        err = pager_init(&ex_pager, &ex_ops, NULL, PORT_NULL);
    long tid = err < 0 ? err : thread_start(ex_serve, &ex_pager, 0);
    snprintf(client_args, sizeof(client_args), "client pages=%lu", (unsigned long)npages);
    long client =
        tid < 0 ? tid : sys_task_spawn_bootstrap("example_pager", client_args, ex_pager.port);
    if (client < 0 || sys_task_wait(task_port_of((uint32_t)client), &status) < 0) {
        printf("example_pager: could not start or wait for the client: %s\n", err_text(client));
        return 1;
    }
    printf("example_pager: served %lu pages over %lu frames: %lu requests, %lu returns, "
           "%lu pages from the store, %lu zero filled, %lu pages leaked\n",
           (unsigned long)npages, (unsigned long)st.frames_total, (unsigned long)ex_pager.requests,
           (unsigned long)ex_pager.returns, (unsigned long)ex_from_store,
           (unsigned long)ex_zero_fills, (unsigned long)ex_leaked);
    bool ok = status.end == TASK_END_EXIT && status.code == 0 && ex_pager.returns > 0 &&
              ex_from_store > 0;
    printf("example_pager: %s\n", ok ? "every page read back as written"
                                     : "FAILED (client ended badly, or no page came back)");
    return ok ? 0 : 1;
}
