/*
 * The servers init starts before any program: with swap=disk the
 * backing-store server, then the default pager, each from its boot module
 * and waited for until it has registered with the name service; init then
 * makes the pager's port the default pager with its host-privilege port. It keeps
 * the default pager's port when it swaps to disk, for the swap leak check.
 */
#include "exceptions.h"
#include "init.h"
#include "naming_service.h"

#include <ipc/fmt.h>
#include <ipc/ipc.h>
#include <ipc/sys.h>
#include <lib/cmdline.h>
#include <naming_defs.h>

static port_name_t init_pager = PORT_NULL;      /* the default pager's port, once it serves */
static port_name_t init_swap_pager = PORT_NULL; /* the same, when it swaps to disk */

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
static int init_start_bstore(void)
{
    long id = sys_task_spawn_driver("bstore", "", naming_service_port(), ipc_host_port);

    if (id < 0) {
        printf("FAIL: init: spawn bstore: %s\n", err_text(id));
        return 1;
    }
    exceptions_watch(id);
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
 * See init.h. Nothing is started with pager=kernel, or when the default
 * pager is not a boot module. Once it has registered with the name service
 * it backs the anonymous memory of every new task.
 */
int init_start_default_pager(const char *args)
{
    char pager_args[96];

    if (cmdline_is(args, "pager", "kernel"))
        return 0;
    if (cmdline_is(args, "swap", "disk") && init_start_bstore() != 0)
        return 1;
    init_default_pager_args(args, pager_args, sizeof(pager_args));
    long id = sys_task_spawn_bootstrap("default_pager", pager_args, naming_service_port());
    if (id == -ERR_NOENT)
        return 0;
    if (id < 0) {
        printf("FAIL: init: spawn default_pager: %s\n", err_text(id));
        return 1;
    }
    if (init_wait_registered("default_pager")) {
        naming_lookup(naming_service_port(), "default_pager", &init_pager);
        if (init_make_default_pager(init_pager) != 0)
            return 1;
        if (cmdline_is(args, "swap", "disk"))
            init_swap_pager = init_pager;
        init_warm_default_pager();
        printf("init: default pager [%ld] serves anonymous memory\n", id);
        return 0;
    }
    printf("FAIL: init: the default pager did not register\n");
    return 1;
}
