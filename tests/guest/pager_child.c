/*
 * Helper task of the external pager tests. "touch N" maps an N-page object
 * served by the pager behind its bootstrap port and has N threads fault one
 * page each at the same time (odd ones by a write), checking the pattern
 * (pager_util.h); it exits with the number of bad pages. "rw" reads, then
 * writes, page 0 of a 1-page object. "pager" is a pager
 * that dies: it hands a send right to its port over the bootstrap port,
 * takes the object's init and first data_request, and exits unanswered.
 * "migrate" hands a send right to its port over the bootstrap port, takes
 * two send rights (an old and a new pager) on it and moves the old pager's
 * objects to the new one with its host-privilege right: the caller the test
 * of a killed caller kills while the migration waits.
 */
#include "pager_util.h"

#include <ipc/fmt.h>
#include <ipc/string.h>
#include <ipc/sys.h>

#define CHILD_THREADS_MAX 60

static volatile uint64_t *child_base;
static volatile unsigned child_done, child_bad;

/* Thread @arg touches page @arg: a write for odd pages, then a read of all of it. */
static void child_toucher(void *arg)
{
    uint64_t i = (uint64_t)(uintptr_t)arg;
    volatile uint64_t *page = child_base + i * PT_WORDS;

    if (i % 2 == 1)
        page[1] = pt_word(i * PAGE_SIZE, 1, 0);
    if (!pt_page_ok(page, i * PAGE_SIZE, 0)) {
        printf("pager_child: page %lu has wrong data\n", (unsigned long)i);
        pt_count(&child_bad);
    }
    pt_count(&child_done);
}

/* "touch N": returns the exit status (0 when every page was right). */
static int child_touch(unsigned n)
{
    if (n == 0 || n > CHILD_THREADS_MAX)
        return 100;
    long addr = sys_vm_map(ipc_bootstrap_port, n * PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE);
    if (addr < 0) {
        printf("pager_child: vm_map: %s\n", err_text(addr));
        return 101;
    }
    child_base = (volatile uint64_t *)addr;
    for (unsigned i = 0; i < n; i++)
        if (pt_thread(child_toucher, (void *)(uintptr_t)i) < 0)
            return 102;
    if (!pt_wait_count(&child_done, n, 120 * PT_SEC))
        return 103;
    return (int)child_bad;
}

/* "rw": read page 0, then write it (which the pager may never grant). */
static int child_read_write(void)
{
    long addr = sys_vm_map(ipc_bootstrap_port, PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE);

    if (addr < 0)
        return 101;
    volatile uint64_t *page = (volatile uint64_t *)addr;
    if (!pt_page_ok(page, 0, 0))
        return 104;
    page[0] = 1;
    return 0;
}

/* "pager": give our port to the spawner, take init and one request, then die. */
static int child_pager(void)
{
    static struct ipc_message m;
    struct pt_event ev;
    port_name_t port;

    if (port_allocate(IPC_RIGHT_RECEIVE, &port) < 0)
        return 110;
    ipc_msg_init(&m, ipc_bootstrap_port, IPC_DISP_COPY_SEND, PT_ID_HELLO);
    ipc_add_port(&m, port, IPC_DISP_MAKE_SEND);
    if (ipc_send(&m, IPC_TIMEOUT_NONE) < 0)
        return 111;
    if (pt_recv(port, &ev, 30 * PT_SEC) < 0 || ev.kind != PT_INIT)
        return 112;
    if (pt_recv(port, &ev, 30 * PT_SEC) < 0 || ev.kind != PT_REQUEST || ev.offset != 0)
        return 113;
    return 0; /* exiting kills the port with the request unanswered */
}

/* "migrate": the exit status is 0 when the migration moved something, else 131. */
static int child_migrate(void)
{
    static struct ipc_message m;
    port_name_t port;

    if (port_allocate(IPC_RIGHT_RECEIVE, &port) < 0)
        return 130;
    ipc_msg_init(&m, ipc_bootstrap_port, IPC_DISP_COPY_SEND, PT_ID_HELLO);
    ipc_add_port(&m, port, IPC_DISP_MAKE_SEND);
    if (ipc_send(&m, IPC_TIMEOUT_NONE) < 0 || ipc_recv(&m, port, IPC_TIMEOUT_NONE) != 0 ||
        m.ndesc != 2)
        return 130;
    long moved = sys_vm_pager_migrate(ipc_host_port, m.ext.desc[0].name, m.ext.desc[1].name);
    return moved > 0 ? 0 : 131;
}

int main(int argc, char **argv)
{
    const char *args = argc > 1 ? argv[1] : "";

    if (strcmp(args, "touch") == 0 && argc > 2) {
        unsigned n = 0;
        for (const char *p = argv[2]; *p >= '0' && *p <= '9'; p++)
            n = n * 10 + (unsigned)(*p - '0');
        return child_touch(n);
    }
    if (strcmp(args, "rw") == 0)
        return child_read_write();
    if (strcmp(args, "pager") == 0)
        return child_pager();
    if (strcmp(args, "migrate") == 0)
        return child_migrate();
    printf("pager_child: bad arguments \"%s\"\n", args);
    return 120;
}
