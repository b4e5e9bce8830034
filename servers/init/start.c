/*
 * The servers init starts before any program: with swap=disk the
 * backing-store server, then the system's pager (the program pager= names,
 * default_pager unless told otherwise), each from its boot module and
 * waited for until it has registered with the name service. init makes the
 * pager's port the default pager with its host-privilege port (the pager
 * holds no privilege), publishes it as PAGER_SYSTEM_NAME and keeps it for
 * the leak check.
 */
#include "exceptions.h"
#include "init.h"
#include "naming_service.h"

#include <ipc/fmt.h>
#include <ipc/ipc.h>
#include <ipc/pager_stats.h>
#include <ipc/string.h>
#include <ipc/sys.h>
#include <lib/cmdline.h>
#include <naming_defs.h>

static port_name_t init_pager = PORT_NULL;      /* the system pager's port, once it serves */
static port_name_t init_swap_pager = PORT_NULL; /* the same, when it pages to a disk */

/* See init.h. */
port_name_t init_default_pager_port(void)
{
    return init_pager;
}

/* See init.h. */
port_name_t init_swap_pager_port(void)
{
    return init_swap_pager;
}

/* Wait until @name is registered with the name service (about 1 s at most). */
static bool init_wait_registered(const char *name)
{
    port_name_t port;

    for (int i = 0; i < 500; i++) {
        if (naming_lookup(naming_service_port(), name, &port) == 0) {
            port_deallocate(port);
            return true;
        }
        sys_sleep_ns(2000000);
    }
    return false;
}

/*
 * Make @pager the default pager, with the host-privilege port the kernel
 * gave init (the pager itself holds no privilege). Returns 0 or 1 on failure.
 */
static int init_make_default_pager(port_name_t pager)
{
    long previous = sys_set_default_pager(ipc_host_port, pager);

    if (previous < 0) {
        printf("FAIL: init: set_default_pager: %s\n", err_text(previous));
        return 1;
    }
    return 0;
}

/*
 * swap=disk: start the backing-store server as a driver before the default
 * pager exists, so that the in-kernel pager serves all of its memory (the
 * default pager waits on it: it must never wait on the default pager).
 * Returns 0 or 1 on failure.
 */
static int init_start_bstore(const char *args)
{
    char bargs[32] = "";
    size_t n;
    const char *cpu = cmdline_find(args, "bstore_cpu", &n);

    if (cpu != NULL) /* the CPU it keeps to and its disk interrupts go to */
        snprintf(bargs, sizeof(bargs), "cpu=%.*s", (int)n, cpu);
    long id = exceptions_spawn("bstore", bargs, TASK_SPAWN_DRIVER, NULL);

    if (id < 0) {
        printf("FAIL: init: spawn bstore: %s\n", err_text(id));
        return 1;
    }
    if (!init_wait_registered("bstore")) {
        printf("FAIL: init: the backing-store server did not start\n");
        return 1;
    }
    printf("init: backing-store server [%ld] serves the swap disk\n", id);
    return 0;
}

/*
 * Take the default pager through whole object lives (init, requests,
 * terminate) with many objects at once, so that what it and the kernel set
 * up on first use and keep (its reply port, stack pages, name-table pages for
 * the control rights of many objects) is not counted against a program.
 * The leak check's first count waits for it to handle the terminates.
 */
static void init_warm_default_pager(void)
{
    enum { OBJECTS = 320 }; /* as many as a busy test keeps alive at once */
    static long regions[OBJECTS];

    for (int i = 0; i < OBJECTS; i++) {
        regions[i] = sys_vm_allocate(4096, VM_PROT_READ | VM_PROT_WRITE);
        if (regions[i] > 0)
            *(volatile char *)regions[i] = 1;
    }
    for (int i = 0; i < OBJECTS; i++)
        if (regions[i] > 0)
            sys_vm_deallocate((void *)regions[i], 4096);
}

/*
 * Start boot module @name as the system's pager with the arguments @args
 * asks for (plus the word "system": it is to serve as the system's pager) and
 * wait until it has registered under @name. Returns its task id, or -ERR_*
 * (-ERR_NOENT: the image has no such program) after printing why.
 */
static long init_spawn_pager(const char *args, const char *name)
{
    char pager_args[96];

    init_default_pager_args(args, pager_args, sizeof(pager_args));
    long id = exceptions_spawn(name, pager_args, 0, NULL);
    if (id == -ERR_NOENT) {
        printf("init: error: pager=%s: the image has no program %s\n", name, name);
        return id;
    }
    if (id < 0) {
        printf("FAIL: init: spawn %s: %s\n", name, err_text(id));
        return id;
    }
    if (!init_wait_registered(name)) {
        printf("FAIL: init: the pager %s did not register\n", name);
        return -ERR_TIMEOUT;
    }
    return id;
}

/*
 * Publish the pager registered as @name under PAGER_SYSTEM_NAME, keep its
 * port, warm it up and check that it serves anonymous memory now. Returns 0
 * or 1 (FAIL printed).
 */
static int init_publish_pager(const char *name, long id)
{
    struct pager_stats_info st;
    struct vm_stat v0, v1;
    int err = naming_lookup(naming_service_port(), name, &init_pager);

    if (err == 0)
        err = naming_service_alias(PAGER_SYSTEM_NAME, name); /* follows a switch (pager_switch.c) */
    if (err < 0) {
        printf("FAIL: init: publishing %s as \"%s\": %s\n", name, PAGER_SYSTEM_NAME, err_text(err));
        return 1;
    }
    if (init_make_default_pager(init_pager) != 0)
        return 1;
    if (pager_stats_read(init_pager, &st) == 0 && st.disk)
        init_swap_pager = init_pager;
    sys_vm_stat(&v0);
    init_warm_default_pager();
    sys_vm_stat(&v1);
    if (v1.pager_requests == v0.pager_requests) {
        printf("FAIL: init: %s [%ld] does not serve anonymous memory\n", name, id);
        return 1;
    }
    printf("init: %s [%ld] serves anonymous memory, published as \"%s\"\n", name, id,
           PAGER_SYSTEM_NAME);
    return 0;
}

/*
 * See init.h. With pager=kernel nothing is started (but bstore with
 * swap=disk): the in-kernel pager keeps anonymous memory. Once the pager has
 * registered with the name service it backs the anonymous memory of every
 * new task.
 */
int init_start_pager(const char *args, const char *name)
{
    if (cmdline_is(args, "swap", "disk") && init_start_bstore(args) != 0)
        return 1;
    if (strcmp(name, "kernel") == 0)
        return 0;
    long id = init_spawn_pager(args, name);
    if (id < 0)
        return id == -ERR_NOENT ? 2 : 1;
    return init_publish_pager(name, id);
}
