/*
 * init, the first task. It starts the name service (naming_service.c), reads
 * `run=a,b,c` from the kernel command line (default: hello,memdemo), runs each
 * boot module in turn with an empty argument string and the name service as
 * its bootstrap port, reports how it ended and checks that every frame it
 * used came back, then powers the machine off with the overall status.
 */
#include "init.h"
#include "exceptions.h"
#include "naming_service.h"

#include <default_pager_defs.h>
#include <ipc/fmt.h>
#include <ipc/prefault.h>
#include <ipc/string.h>
#include <ipc/sys.h>
#include <stdbool.h>

#define INIT_LIST_MAX 256
#define INIT_NAME_MAX 64

/* Describe how a task ended: "exit", "fault", "killed" or "unknown". */
static const char *init_end_text(int end)
{
    switch (end) {
    case TASK_END_EXIT:
        return "exit";
    case TASK_END_FAULT:
        return "fault";
    case TASK_END_KILLED:
        return "killed";
    default:
        return "unknown";
    }
}

/* Free frames now, or 0 after printing a FAIL line when the kernel refuses. */
static uint64_t init_frames_free(void)
{
    struct vm_stat st;
    long err = sys_vm_stat(&st);

    if (err < 0) {
        printf("FAIL: init: vm_stat: %s\n", err_text(err));
        return 0;
    }
    return st.frames_free;
}

/* Print how task @name ended, as in "init: hello exited exit 0". */
static void init_print_end(const char *name, const struct task_status *status)
{
    if (status->end == TASK_END_FAULT)
        printf("init: %s exited %s %d at 0x%lx\n", name, init_end_text(status->end), status->code,
               (unsigned long)status->fault_addr);
    else
        printf("init: %s exited %s %d\n", name, init_end_text(status->end), status->code);
}

/*
 * The count @read gives, once it is back at @before or after @tries reads
 * @ns apart: the default pager hears that a program's objects are gone
 * (terminate) asynchronously, so the kernel messages saying so may still be
 * queued for a moment, and it frees their frames and swap blocks after.
 */
static uint64_t init_settled(uint64_t (*read)(void), uint64_t before, int tries, uint64_t ns)
{
    uint64_t now = read();

    for (int i = 0; i < tries && now != before; i++) {
        sys_sleep_ns(ns);
        now = read();
    }
    return now;
}

static const char *init_args; /* the kernel command line */

/* Free swap blocks of the default pager's disk, or 0 when it has none. */
static uint64_t init_swap_free(void)
{
    port_name_t pager = init_swap_pager_port();
    uint64_t disk = 0, blocks, free = 0, writes, reads, kept;

    if (pager == PORT_NULL ||
        default_pager_swap_stats(pager, &disk, &blocks, &free, &writes, &reads, &kept) != 0)
        return 0;
    return free;
}

/*
 * Run module @name to completion, with the name service as its bootstrap
 * port and init's exception handler, and check its end and its frames.
 * "name:args" passes an argument string; "!name" must end by a fault.
 * Returns 0 when it ended as expected and gave back every frame, else 1.
 */
static int init_run_one(char *name)
{
    struct task_status status = {0, 0, 0};
    uint64_t before, after, swap_before, swap_after;
    long task, err, sync;
    /* "!name" must end by a fault (init's exception handler sees it); "name:args";
     * "&name" is a server: started, not waited for. */
    bool expect_fault = name[0] == '!', server = name[0] == '&';
    char *colon = strchr(name, ':');
    const char *args = colon ? colon + 1 : "";

    name += expect_fault || server;
    if (colon)
        *colon = '\0';
    struct vm_stat kinds_before, kinds_after;
    sys_vm_stat(&kinds_before);
    before = init_frames_free();
    swap_before = init_swap_free();
    task = init_is_driver(init_args, name)
               ? sys_task_spawn_driver(name, args, naming_service_port())
               : sys_task_spawn_bootstrap(name, args, naming_service_port());
    if (task < 0) {
        printf("FAIL: init: spawn %s: %s\n", name, err_text(task));
        return 1;
    }
    exceptions_watch(task);
    if (server) { /* let it set itself up, so its memory is not counted against the next */
        uint64_t last = 0, now = init_frames_free();
        for (int i = 0; i < 200 && now != last; i++) {
            sys_sleep_ns(10000000);
            last = now;
            now = init_frames_free();
        }
        printf("init: started server %s [%ld]\n", name, task);
        return 0;
    }
    err = sys_task_wait(task, &status);
    sync = naming_service_sync(); /* what the name service held for the program is gone */
    /* Before any printing that could fault pages in. */
    after = init_settled(init_frames_free, before, 50, 2000000);
    swap_after = init_settled(init_swap_free, swap_before, 100, 10000000);
    if (err < 0 || sync < 0) {
        printf("FAIL: init: %s %s: %s\n", err < 0 ? "wait" : "naming sync after", name,
               err_text(err < 0 ? err : sync));
        return 1;
    }
    init_print_end(name, &status);
    if (after != before) {
        sys_vm_stat(&kinds_after);
        printf("FAIL: init: %s leaked %ld frames (kernel %+ld, page tables %+ld, stacks %+ld, "
               "user %+ld)\n",
               name, (long)(before - after),
               (long)(kinds_after.frames_kernel - kinds_before.frames_kernel),
               (long)(kinds_after.frames_table - kinds_before.frames_table),
               (long)(kinds_after.frames_kstack - kinds_before.frames_kstack),
               (long)(kinds_after.frames_user - kinds_before.frames_user));
        return 1;
    }
    if (swap_after != swap_before) {
        printf("FAIL: init: %s leaked %ld swap blocks\n", name, (long)(swap_before - swap_after));
        return 1;
    }
    printf("init: %s: frames back to %lu\n", name, (unsigned long)after);
    if (init_swap_pager_port() != PORT_NULL)
        printf("init: %s: swap blocks back to %lu free\n", name, (unsigned long)swap_after);
    if (expect_fault) {
        bool ok = status.end == TASK_END_FAULT;
        printf("%s: init: %s ended by a fault, through init's exception handler\n",
               ok ? "PASS" : "FAIL", name);
        return ok ? 0 : 1;
    }
    return status.end == TASK_END_EXIT && status.code == 0 ? 0 : 1;
}

/* Run every module of the comma-separated @list; returns 0 when all passed. */
static int init_run_list(char *list)
{
    char *name = list;
    int failed = 0;

    while (*name != '\0') {
        char *comma = strchr(name, ',');
        if (comma != NULL)
            *comma = '\0';
        if (*name != '\0' && strlen(name) < INIT_NAME_MAX)
            failed |= init_run_one(name);
        else if (*name != '\0')
            failed |= 1;
        if (comma == NULL)
            break;
        name = comma + 1;
    }
    return failed;
}

/* init's entry: @args is the kernel command line. Never returns normally. */
int main(const char *args)
{
    static char list[INIT_LIST_MAX];
    int status, service;

    init_args = args;
    init_parse_run(args, list, sizeof(list));
    /* Our own demand paging must not disturb the frame counts. */
    prefault_image();
    prefault_stack(16 * 1024);
    service = naming_service_start();
    service |= exceptions_start() != 0;
    service |= init_start_default_pager(args);
    printf("init: command line \"%s\", running %s, frames free %lu\n", args, list,
           (unsigned long)init_frames_free());
    status = init_run_list(list) | (service != 0);
    printf("init: all done, status %d\n", status);
    sys_shutdown(status);
    return status;
}
