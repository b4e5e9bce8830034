/*
 * Running the programs `run=` names, one after the other: each is spawned
 * from its boot module with the name service as its bootstrap port and
 * init's exception handler, waited for, and its end reported, with a leak
 * check around it (leak_check.c). "name:args" passes an argument string,
 * "!name" must end by a fault, and "&name" is a server: started, not waited for.
 */
#include "exceptions.h"
#include "init.h"
#include "naming_service.h"

#include <ipc/fmt.h>
#include <ipc/string.h>
#include <ipc/sys.h>

#define INIT_NAME_MAX 64

/* One entry of the `run=` list. */
struct init_program {
    const char *name;
    const char *args;  /* after "name:", else "" */
    bool expect_fault; /* "!name": must end by a fault (init's exception handler sees it) */
    bool server;       /* "&name": started, not waited for */
};

/* Split list entry @spec (its ':' overwritten) into @prog. */
static void init_program_parse(char *spec, struct init_program *prog)
{
    char *colon = strchr(spec, ':');

    prog->expect_fault = spec[0] == '!';
    prog->server = spec[0] == '&';
    prog->args = colon ? colon + 1 : "";
    prog->name = spec + (prog->expect_fault || prog->server);
    if (colon)
        *colon = '\0';
}

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

/* Print how task @name ended, as in "init: hello exited exit 0". */
static void init_print_end(const char *name, const struct task_status *status)
{
    if (status->end == TASK_END_FAULT)
        printf("init: %s exited %s %d at 0x%lx\n", name, init_end_text(status->end), status->code,
               (unsigned long)status->fault_addr);
    else
        printf("init: %s exited %s %d\n", name, init_end_text(status->end), status->code);
}

/* Spawn @prog, with driver access when `drivers=` of @args names it. Task id or -ERR_*. */
static long init_spawn(const char *args, const struct init_program *prog)
{
    if (init_is_driver(args, prog->name))
        return sys_task_spawn_driver(prog->name, prog->args, naming_service_port());
    return sys_task_spawn_bootstrap(prog->name, prog->args, naming_service_port());
}

/*
 * Let server @name (task @task) set itself up, until the free frames stop
 * changing, so its memory is not counted against the next program. Returns 0.
 */
static int init_run_server(const char *name, long task)
{
    uint64_t last = 0, now = init_frames_free();

    for (int i = 0; i < 200 && now != last; i++) {
        sys_sleep_ns(10000000);
        last = now;
        now = init_frames_free();
    }
    printf("init: started server %s [%ld]\n", name, task);
    return 0;
}

/* Did @prog end as expected (by a fault for "!name", else exit 0)? 0 if so, else 1. */
static int init_run_verdict(const struct init_program *prog, const struct task_status *status)
{
    if (prog->expect_fault) {
        bool ok = status->end == TASK_END_FAULT;
        printf("%s: init: %s ended by a fault, through init's exception handler\n",
               ok ? "PASS" : "FAIL", prog->name);
        return ok ? 0 : 1;
    }
    return status->end == TASK_END_EXIT && status->code == 0 ? 0 : 1;
}

/*
 * Wait for @prog (task @task) to end and check its end and that the frames
 * and swap blocks counted in @before came back. Returns 0 or 1.
 */
static int init_run_wait(const struct init_program *prog, long task,
                         const struct init_leak_counts *before)
{
    struct task_status status = {0, 0, 0};
    struct init_leak_counts after;
    long err = sys_task_wait(task, &status);
    long sync = naming_service_sync(); /* what the name service held for the program is gone */

    /* Before any printing that could fault pages in. */
    init_leak_settle(before, &after);
    if (err < 0 || sync < 0) {
        printf("FAIL: init: %s %s: %s\n", err < 0 ? "wait" : "naming sync after", prog->name,
               err_text(err < 0 ? err : sync));
        return 1;
    }
    init_print_end(prog->name, &status);
    if (init_leak_check(prog->name, before, &after) != 0)
        return 1;
    return init_run_verdict(prog, &status);
}

/*
 * Run list entry @spec (changed in place) to completion; @args is the kernel
 * command line. Returns 0 when it ended as expected and gave back every frame
 * and swap block, else 1.
 */
static int init_run_one(const char *args, char *spec)
{
    struct init_program prog;
    struct init_leak_counts before;
    long task;

    init_program_parse(spec, &prog);
    init_leak_count(&before);
    task = init_spawn(args, &prog);
    if (task < 0) {
        printf("FAIL: init: spawn %s: %s\n", prog.name, err_text(task));
        return 1;
    }
    exceptions_watch(task);
    if (prog.server)
        return init_run_server(prog.name, task);
    return init_run_wait(&prog, task, &before);
}

/* See init.h. */
int init_run_list(const char *args, char *list)
{
    char *name = list;
    int failed = 0;

    while (*name != '\0') {
        char *comma = strchr(name, ',');
        if (comma != NULL)
            *comma = '\0';
        if (*name != '\0' && strlen(name) < INIT_NAME_MAX)
            failed |= init_run_one(args, name);
        else if (*name != '\0')
            failed |= 1;
        if (comma == NULL)
            break;
        name = comma + 1;
    }
    return failed;
}
