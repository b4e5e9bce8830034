/*
 * Switching the system's default pager at run time through init
 * (init_pager.idl, issue 11 item 4): this task starts a second default
 * pager instance, registered as "pager2". This task's anonymous memory has pages resident
 * and pages held by the boot pager (pushed out), and a thread keeps reading
 * them while init makes pager2 the default and moves every object of the
 * previous pager to it. Every byte reads back right, before and after the
 * pages go to pager2 and come back; the previous pager takes everything
 * back, and then pager2 can end with nothing lost; refusals (no right,
 * unknown name, the pager already in use, a port nobody answers on) change
 * nothing. Needs host_priv=test_pager_use and a short pager_timeout.
 */
#include <abi/page.h>
#include <init_pager_defs.h>
#include <ipc/fmt.h>
#include <ipc/ipc.h>
#include <ipc/pager_stats.h>
#include <ipc/string.h>
#include <ipc/sys.h>
#include <ipc/test.h>
#include <ipc/thread.h>
#include <memory_object_defs.h>
#include <naming_defs.h>

#define NPAGES 64u
#define WORDS (PAGE_SIZE / 8)
#define SALT 0x5a17ull

static volatile uint64_t *base;

static uint64_t word(unsigned page, unsigned j)
{
    return SALT ^ ((uint64_t)page << 32) ^ j;
}

/* The number of pages of the region that do not hold their pattern. */
static unsigned bad_pages(void)
{
    unsigned bad = 0;

    for (unsigned i = 0; i < NPAGES; i++)
        for (unsigned j = 0; j < WORDS; j++)
            if (base[(uint64_t)i * WORDS + j] != word(i, j)) {
                bad++;
                break;
            }
    return bad;
}

/* The reader thread: check every page, round after round, until told to stop. */
static volatile unsigned reader_stop, reader_rounds, reader_bad, reader_done;

static void reader_run(void *arg)
{
    (void)arg;
    while (!reader_stop) {
        reader_bad += bad_pages();
        __atomic_add_fetch(&reader_rounds, 1, __ATOMIC_SEQ_CST);
    }
    __atomic_store_n(&reader_done, 1, __ATOMIC_SEQ_CST);
}

/* Wait until the reader has done @rounds more rounds. */
static bool reader_wait(unsigned rounds)
{
    unsigned want = reader_rounds + rounds;

    while (reader_rounds <
           want) /* an event: the harness's timeout ends a test that never sees it */
        sys_yield();
    return reader_rounds >= want;
}

/* The send right of service @name, waiting for it to register. PORT_NULL if it never does. */
static port_name_t service(const char *name)
{
    port_name_t port;

    while (naming_lookup(ipc_bootstrap_port, name, &port) != 0)
        sys_yield(); /* until it registers: waited for, not timed */
    return port;
}

/* Pages pager @port took in from pageout so far (pager_stats returns). */
static uint64_t pages_in(port_name_t port)
{
    struct pager_stats_info st = {.returns = 0};

    TEST_CHECK(pager_stats_read(port, &st) == 0, "pager_stats");
    return st.returns;
}

/* Ask init to make @name the default pager; its answer, the previous one in @previous. */
static long use_pager(port_name_t host, const char *name, char *previous)
{
    previous[0] = '\0';
    return init_pager_use_pager(ipc_bootstrap_port, host, name, previous);
}

/*
 * Refusals: nothing changes, the region still reads right. @current names
 * the default pager. Last, since the port nobody serves is this task's, and
 * making it the default pager for a moment wires this task.
 */
static void refusals(const char *current)
{
    char prev[48];
    port_name_t mute;
    struct ipc_message m;

    TEST_CHECK(use_pager(PORT_NULL, "pager2", prev) != 0, "no right (PORT_NULL)");
    TEST_CHECK(use_pager(ipc_bootstrap_port, "pager2", prev) == -ERR_PERM, "not the host right");
    TEST_CHECK(use_pager(ipc_host_port, "no_such_pager", prev) == -ERR_NOENT, "unknown name");
    TEST_CHECK(use_pager(ipc_host_port, current, prev) == -ERR_INVAL, "already the default");
    TEST_CHECK(port_allocate(IPC_RIGHT_RECEIVE, &mute) == 0 && port_insert_send(mute) == 0 &&
                   naming_register(ipc_bootstrap_port, "mute_pager", mute) == 0,
               "register a port nobody serves");
    long err = use_pager(ipc_host_port, "mute_pager", prev);
    TEST_CHECK(err == -ERR_TIMEOUT, "a pager that never answers: %s", err_text(err));
    unsigned inits = 0;
    while (ipc_recv(&m, mute, 0) == 0) {
        inits += m.id == MEMORY_OBJECT_INIT_ID;
        ipc_msg_destroy(&m);
    }
    TEST_CHECK(inits > 0, "the mute pager was offered the objects");
    port_destroy(mute);
    TEST_CHECK(bad_pages() == 0, "every page still right after the refusals");
}

int main(void)
{
    char prev[48], back[48];

    long pager2_task = sys_task_spawn_bootstrap("default_pager", "name=pager2", ipc_bootstrap_port);
    TEST_CHECK(pager2_task > 0, "start a second default pager: %s", err_text(pager2_task));
    port_name_t pager2 = service("pager2");
    if (!TEST_CHECK(pager2 != PORT_NULL, "pager2 registered"))
        return test_report("test_pager_use");
    long addr = sys_vm_allocate(NPAGES * PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE);
    if (!TEST_CHECK(addr > 0, "allocate: %s", err_text(addr)))
        return test_report("test_pager_use");
    base = (volatile uint64_t *)addr;
    for (unsigned i = 0; i < NPAGES; i++)
        for (unsigned j = 0; j < WORDS; j++)
            base[(uint64_t)i * WORDS + j] = word(i, j);
    long n = sys_vm_pageout((void *)base, NPAGES / 2 * PAGE_SIZE);
    TEST_CHECK(n == NPAGES / 2, "half the pages to the boot pager: %ld", n);

    TEST_CHECK(thread_start(reader_run, NULL, 16 * 1024) > 0, "start the reader");
    TEST_CHECK(reader_wait(1), "the reader reads");
    uint64_t t0 = sys_clock_ns();
    long err = use_pager(ipc_host_port, "pager2", prev);
    uint64_t t1 = sys_clock_ns();
    TEST_CHECK(err == 0, "use pager2: %s", err_text(err));
    TEST_CHECK(prev[0] != '\0' && strcmp(prev, "pager2") != 0, "the previous pager: '%s'", prev);
    TEST_CHECK(reader_wait(2), "the reader goes on");
    reader_stop = 1;
    while (!__atomic_load_n(&reader_done, __ATOMIC_SEQ_CST))
        sys_yield();
    TEST_CHECK(reader_bad == 0, "%u bad pages seen while the pager changed", reader_bad);
    printf("test_pager_use: the switch to pager2 took %lu us\n", (unsigned long)((t1 - t0) / 1000));

    /* The pages now go to pager2, and come back from it. */
    uint64_t in0 = pages_in(pager2);
    n = sys_vm_pageout((void *)base, NPAGES * PAGE_SIZE);
    TEST_CHECK(n == NPAGES, "every page out: %ld", n);
    TEST_CHECK(pages_in(pager2) - in0 == NPAGES, "pager2 took %lu pages",
               (unsigned long)(pages_in(pager2) - in0));
    TEST_CHECK(bad_pages() == 0, "every page back from pager2");

    /* And back. */
    err = use_pager(ipc_host_port, prev, back);
    TEST_CHECK(err == 0 && strcmp(back, "pager2") == 0, "back to %s: %s (previous '%s')", prev,
               err_text(err), back);
    n = sys_vm_pageout((void *)base, NPAGES * PAGE_SIZE);
    TEST_CHECK(n == NPAGES, "every page out again: %ld", n);
    uint64_t in1 = pages_in(pager2);
    TEST_CHECK(bad_pages() == 0, "every page back from %s", prev);
    TEST_CHECK(pages_in(pager2) == in1, "pager2 no longer takes pages");

    /* pager2 serves nothing any more: it may go, and nothing is lost. */
    struct task_status st;
    TEST_CHECK(sys_task_kill(task_port_of(pager2_task)) == 0 &&
                   sys_task_wait(task_port_of(pager2_task), &st) == 0,
               "pager2 ends");
    port_deallocate(pager2);
    TEST_CHECK(bad_pages() == 0, "every page right after pager2 ended");
    refusals(prev);
    sys_vm_deallocate((void *)base, NPAGES * PAGE_SIZE);
    return test_report("test_pager_use");
}
