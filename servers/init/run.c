/*
 * Running the programs `run=` names, one after the other: each is spawned
 * from its boot module with the name service as its bootstrap port and
 * init's exception handler, waited for, and its end reported, with a leak
 * check around it (leak_check.c). "name:args" passes an argument string
 * (quoted when it holds spaces or commas: hello:"a b"), which the program
 * splits into its words (hello:"'a b' c" gives it "a b" and "c"), "!name" must end by
 * a fault, and "&name" is a server: started, not waited for. The whole list
 * is checked before anything runs: a malformed entry is an error.
 */
#include "exceptions.h"
#include "init.h"
#include "naming_service.h"

#include <ipc/fmt.h>
#include <ipc/ipc.h>
#include <ipc/string.h>
#include <ipc/sys.h>
#include <lib/cmdline.h>

#define INIT_NAME_MAX 64
#define INIT_ARGS_MAX 256
#define INIT_PROGRAMS_MAX 32

/* One entry of the `run=` list. */
struct init_program {
    char name[INIT_NAME_MAX];
    char args[INIT_ARGS_MAX]; /* after "name:", unquoted; else "" */
    bool expect_fault;        /* "!name": must end by a fault (init's exception handler sees it) */
    bool server;              /* "&name": started, not waited for */
};

/* Can @c be part of a program name? */
static bool init_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.';
}

/*
 * Parse list entry @spec of @len bytes ("[!&]name[:args]", args maybe
 * quoted) into @prog. Returns NULL, or why it is malformed.
 */
static const char *init_program_parse(const char *spec, size_t len, struct init_program *prog)
{
    size_t skip = len > 0 && (spec[0] == '!' || spec[0] == '&'), n = 0;

    prog->expect_fault = skip && spec[0] == '!';
    prog->server = skip && spec[0] == '&';
    while (skip + n < len && spec[skip + n] != ':') {
        if (!init_name_char(spec[skip + n]))
            return "a program name has only letters, digits, '_', '-' and '.'";
        n++;
    }
    if (n == 0 || n >= INIT_NAME_MAX)
        return "no program name, or one too long";
    memcpy(prog->name, spec + skip, n);
    prog->name[n] = '\0';
    prog->args[0] = '\0';
    size_t at = skip + n + 1; /* after the ':' */
    if (at <= len && cmdline_unquote(spec + at, len - at, prog->args, sizeof(prog->args)) < 0)
        return "its arguments have an unclosed quote or are too long";
    /* The program splits them into argv: they must split. */
    char store[INIT_ARGS_MAX], *words[TASK_ARGV_MAX];
    if (cmdline_split(prog->args, store, sizeof(store), words, TASK_ARGV_MAX) < 0)
        return "its arguments do not split into words (an unclosed quote, or too many words)";
    return NULL;
}

/*
 * Parse the whole @list into @progs (room for INIT_PROGRAMS_MAX). Returns
 * the number of programs, or -1 after printing which entry is malformed.
 */
static int init_program_list(const char *list, struct init_program *progs)
{
    size_t len = strlen(list);
    int count = 0;

    for (const char *p = list; *p != '\0';) {
        size_t n = cmdline_item_len(p, len - (size_t)(p - list));
        const char *why = count < INIT_PROGRAMS_MAX ? init_program_parse(p, n, &progs[count])
                                                    : "more programs than init runs";
        if (why != NULL) {
            printf("init: error: malformed run= entry \"%.*s\": %s\n", (int)n, p, why);
            return -1;
        }
        count++;
        p += n;
        if (*p == ',' && *++p == '\0') {
            printf("init: error: malformed run= list: it ends with a comma\n");
            return -1;
        }
    }
    return count;
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

/*
 * Spawn @prog, with driver access when `drivers=` of @args names it and a
 * send right to the host-privilege port when `host_priv=` does (nobody else
 * gets either). Task id or -ERR_*.
 */
static long init_spawn(const char *args, const struct init_program *prog, port_name_t *port)
{
    unsigned flags = (init_is_driver(args, prog->name) ? TASK_SPAWN_DRIVER : 0) |
                     (init_is_host_priv(args, prog->name) ? TASK_SPAWN_HOST_PRIV : 0);

    return exceptions_spawn(prog->name, prog->args, flags, port);
}

/*
 * Server @name (task @task) runs on; what it holds is charged to it, never
 * to the programs after it, so nothing waits for it to settle. Returns 0.
 */
static int init_run_server(const char *name, long task)
{
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
 * Wait for @prog (task @task, its task port @port) to end and check its end
 * and that the frames and swap blocks counted in @before came back.
 * Returns 0 or 1.
 */
static int init_run_wait(const struct init_program *prog, long task, port_name_t port,
                         const struct init_leak_counts *before)
{
    struct task_status status = {0, 0, 0};
    static struct init_leak_counts after;
    long acct = init_leak_settle(task, before, &after); /* before the record is collected */
    long err = sys_task_wait(port, &status);
    long sync = naming_service_sync(); /* what the name service held for the program is gone */

    if (acct < 0 || err < 0 || sync < 0) {
        long code = acct < 0 ? acct : err < 0 ? err : sync;
        printf("FAIL: init: %s %s: %s\n",
               acct < 0  ? "task_acct"
               : err < 0 ? "wait"
                         : "naming sync after",
               prog->name, err_text(code));
        return 1;
    }
    init_print_end(prog->name, &status);
    if (init_leak_check(prog->name, before, &after) != 0)
        return 1;
    return init_run_verdict(prog, &status);
}

/*
 * Run @prog to completion; @args is the kernel command line. Returns 0 when
 * it ended as expected and gave back every frame and swap block, else 1.
 */
static int init_run_one(const char *args, const struct init_program *prog)
{
    static struct init_leak_counts before;
    port_name_t port;
    long task;

    init_leak_count(&before);
    task = init_spawn(args, prog, &port);
    if (task < 0) {
        printf("FAIL: init: spawn %s: %s\n", prog->name, err_text(task));
        return 1;
    }
    if (prog->server)
        return init_run_server(prog->name, task);
    return init_run_wait(prog, task, port, &before);
}

/* See init.h. */
int init_run_list(const char *args, const char *list)
{
    static struct init_program progs[INIT_PROGRAMS_MAX];
    int count = init_program_list(list, progs), failed = 0;

    if (count < 0)
        return 1;
    for (int i = 0; i < count; i++)
        failed |= init_run_one(args, &progs[i]);
    return failed;
}

/* See init.h. */
int init_run_shell(const char *args)
{
    static char commands[INIT_ARGS_MAX], shell_args[TASK_ARGS_MAX];
    char *words[] = {"-c", commands};
    struct task_status status = {0, 0, 0};
    size_t len;
    const char *value = cmdline_find(args, "shell", &len);

    if (value == NULL)
        return 0;
    if (len == 2 && strncmp(value, "on", 2) == 0) {
        shell_args[0] = '\0'; /* interactive, on the console */
    } else if (cmdline_unquote(value, len, commands, sizeof(commands)) < 0 ||
               cmdline_join(words, 2, shell_args, sizeof(shell_args)) < 0) {
        printf("init: error: malformed shell= commands (an unclosed quote, or too long)\n");
        return 1;
    }
    /* With the host-privilege right: it owns console input, lists every task, sets the policy. */
    port_name_t port;
    long task = exceptions_spawn("shell", shell_args, TASK_SPAWN_HOST_PRIV, &port);
    if (task < 0) {
        printf("FAIL: init: spawn shell: %s\n", err_text(task));
        return 1;
    }
    long err = sys_task_wait(port, &status);
    if (err < 0) {
        printf("FAIL: init: wait shell: %s\n", err_text(err));
        return 1;
    }
    init_print_end("shell", &status);
    return status.end == TASK_END_EXIT && status.code == 0 ? 0 : 1;
}
