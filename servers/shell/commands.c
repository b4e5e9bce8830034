/*
 * The shell's commands, one table: each takes its words (word[0] is the
 * command) and returns 0, 1 on failure, or -1 to power off. Every refusal
 * prints why.
 */
#include "shell.h"

#include <init_pager_defs.h>
#include <ipc/fmt.h>
#include <ipc/ipc.h>
#include <ipc/pager_stats.h>
#include <ipc/string.h>
#include <ipc/sys.h>
#include <ipc/trace.h>
#include <lib/cmdline.h>
#include <lib/lib.h>

struct command {
    const char *name;
    const char *usage;
    const char *help;
    int (*run)(const struct command *c, struct words *w);
};

static const struct command commands[];

static int usage_error(const struct command *c)
{
    printf("usage: %s %s\n", c->name, c->usage);
    return 1;
}

/* Parse a decimal word into *@out; false (with a message) when it is not one. */
static bool number_word(const char *word, uint64_t *out)
{
    if (!parse_u64(word, out)) {
        printf("shell: error: not a number: %s\n", word);
        return false;
    }
    return true;
}

static int cmd_help(const struct command *c, struct words *w)
{
    (void)c, (void)w;
    for (const struct command *c = commands; c->name; c++)
        printf("  %-8s %-22s %s\n", c->name, c->usage, c->help);
    return 0;
}

/* One row of ps: the task @id, or 1 if it cannot be read. */
static int ps_row(uint32_t id)
{
    struct task_info ti;
    long err = sys_task_info_host(ipc_host_port, id, &ti);

    if (err != 0) {
        printf("%5u  (%s)\n", id, err_text(err));
        return 1;
    }
    printf("%5u %5u %-16s %-5s %3u %8lu %6lu %8lu.%03lu %s%s%s\n", ti.id, ti.parent, ti.name,
           ti.alive ? "run" : "ended", ti.threads, (unsigned long)ti.resident_pages,
           (unsigned long)ti.pinned_pages, (unsigned long)(ti.cpu_ns / 1000000000),
           (unsigned long)(ti.cpu_ns / 1000000 % 1000),
           (ti.flags & TASK_INFO_DRIVER) ? "driver " : "",
           (ti.flags & TASK_INFO_PAGER) ? "pager " : "",
           (ti.flags & TASK_INFO_KERNEL_PAGED) ? "wired" : "");
    return 0;
}

static const char *pager_kind(uint32_t kind)
{
    return kind == VM_REGION_PAGER_KERNEL     ? "kernel"
           : kind == VM_REGION_PAGER_EXTERNAL ? "external"
           : kind == VM_REGION_PAGER_DEVICE   ? "device"
                                              : "?";
}

/* The regions of task @id with who pages each. */
static int ps_regions(uint32_t id)
{
    struct vm_region_info ri;
    uint64_t addr = 0;
    long start;

    printf("  %-18s %9s %-4s %-14s %8s %8s %8s\n", "region", "pages", "prot", "pager", "resident",
           "stored", "returned");
    while ((start = sys_vm_region_info(ipc_host_port, id, addr, &ri)) >= 0) {
        char pager[24];
        if (ri.pager == VM_REGION_PAGER_EXTERNAL && ri.pager_task)
            snprintf(pager, sizeof(pager), "task %u", ri.pager_task);
        else
            snprintf(pager, sizeof(pager), "%s", pager_kind(ri.pager));
        printf("  %-18lx %9lu %c%c%c%c %-14s %8lu %8lu %8lu\n", (unsigned long)ri.start,
               (unsigned long)(ri.size / 4096), (ri.prot & VM_PROT_READ) ? 'r' : '-',
               (ri.prot & VM_PROT_WRITE) ? 'w' : '-', (ri.prot & VM_PROT_EXEC) ? 'x' : '-',
               ri.wired ? 'W' : '-', pager, (unsigned long)ri.resident, (unsigned long)ri.stored,
               (unsigned long)ri.returned);
        addr = ri.start + ri.size;
    }
    if (start != -ERR_NOENT) {
        printf("ps: task %u: %s\n", id, err_text(start));
        return 1;
    }
    return 0;
}

static int cmd_ps(const struct command *c, struct words *w)
{
    uint64_t id;

    if (w->count > 2)
        return usage_error(c);
    printf("%5s %5s %-16s %-5s %3s %8s %6s %12s\n", "id", "par", "name", "state", "thr", "resident",
           "pinned", "cpu s");
    if (w->count == 2) {
        if (!number_word(w->word[1], &id) || id == 0 || id > UINT32_MAX)
            return 1;
        return ps_row((uint32_t)id) || ps_regions((uint32_t)id);
    }
    int failed = 0;
    for (long t = sys_task_next(ipc_host_port, 0); t > 0;
         t = sys_task_next(ipc_host_port, (uint32_t)t))
        failed |= ps_row((uint32_t)t);
    return failed;
}

/* The regions of every task that task @pager serves, and their resident pages. */
static void pagers_served(uint32_t pager, uint64_t *regions, uint64_t *resident)
{
    struct vm_region_info ri;

    *regions = *resident = 0;
    for (long t = sys_task_next(ipc_host_port, 0); t > 0;
         t = sys_task_next(ipc_host_port, (uint32_t)t))
        for (uint64_t addr = 0; sys_vm_region_info(ipc_host_port, (uint64_t)t, addr, &ri) >= 0;
             addr = ri.start + ri.size)
            if (ri.pager == VM_REGION_PAGER_EXTERNAL && ri.pager_task == pager) {
                (*regions)++;
                *resident += ri.resident;
            }
}

/* pagers: the system's pager with its statistics, then every task that serves memory objects. */
static int cmd_pagers(const struct command *c, struct words *w)
{
    struct pager_stats_info st = {.disk = 0};
    struct task_info ti;
    port_name_t sys = PORT_NULL;
    uint64_t regions, resident;

    if (w->count != 1)
        return usage_error(c);
    if (pager_stats_system(&sys) != 0 || pager_stats_read(sys, &st) != 0)
        printf("system pager: the in-kernel pager (pager=kernel)\n");
    else
        printf("system pager: %s, %lu objects, %lu pages held in memory, %lu on its store; "
               "%lu requests, %lu returns, %lu supplies, %lu zero fills, %lu errors%s\n",
               st.name, (unsigned long)st.objects, (unsigned long)st.resident,
               (unsigned long)st.stored, (unsigned long)st.requests, (unsigned long)st.returns,
               (unsigned long)st.supplies, (unsigned long)st.unavailable, (unsigned long)st.errors,
               st.disk ? "" : "; no disk");
    if (st.disk && sys != PORT_NULL)
        printf("  swap disk: %lu of %lu blocks used, %lu writes, %lu reads\n",
               (unsigned long)st.used, (unsigned long)st.blocks, (unsigned long)st.writes,
               (unsigned long)st.reads);
    struct pager_pool_info pool = {.capacity = 0};
    if (sys != PORT_NULL && pager_stats_pool_read(sys, &pool) == 0 && pool.capacity != 0)
        printf("  compressed pool: %lu pages in %lu of %lu bytes (from %lu), %lu hits, %lu zero, "
               "%lu rejected, %lu evicted to disk\n",
               (unsigned long)pool.pages, (unsigned long)pool.bytes, (unsigned long)pool.capacity,
               (unsigned long)pool.original, (unsigned long)pool.hits, (unsigned long)pool.zero,
               (unsigned long)pool.rejected, (unsigned long)pool.evicted);
    if (sys != PORT_NULL)
        port_deallocate(sys);
    printf("%5s %-16s %8s %9s\n", "id", "pager task", "regions", "resident");
    for (long t = sys_task_next(ipc_host_port, 0); t > 0;
         t = sys_task_next(ipc_host_port, (uint32_t)t)) {
        if (sys_task_info_host(ipc_host_port, (uint64_t)t, &ti) != 0 ||
            !(ti.flags & TASK_INFO_PAGER))
            continue;
        pagers_served(ti.id, &regions, &resident);
        printf("%5u %-16s %8lu %9lu\n", ti.id, ti.name, (unsigned long)regions,
               (unsigned long)resident);
    }
    return 0;
}

/*
 * pager use NAME: ask init to make the pager registered as NAME the default
 * pager; init moves every object of the previous one to it with its data.
 */
static int cmd_pager(const struct command *c, struct words *w)
{
    char previous[48];

    if (w->count != 3 || strcmp(w->word[1], "use") != 0)
        return usage_error(c);
    long err = init_pager_use_pager(ipc_bootstrap_port, ipc_host_port, w->word[2], previous);
    if (err != 0) {
        printf("pager use %s: %s\n", w->word[2],
               err == -ERR_NOENT ? "no pager registered under that name" : err_text(err));
        return 1;
    }
    printf("pager: the default pager is now %s (was %s)\n", w->word[2],
           previous[0] ? previous : "unnamed");
    return 0;
}

static void vmstat_print(bool header)
{
    struct vm_stat s;

    if (sys_vm_stat(&s) != 0)
        return;
    if (header)
        printf("%8s %8s %8s %8s %8s %8s %8s %8s %8s %8s %7s %7s %7s %7s\n", "free", "reserve",
               "faults", "zero", "image", "pagein", "storein", "pageout", "dirty", "throttle",
               "create", "switch", "exit", "exitpg");
    printf("%8lu %8lu %8lu %8lu %8lu %8lu %8lu %8lu %8lu %8lu %7lu %7lu %7lu %7lu\n",
           (unsigned long)s.frames_free, (unsigned long)s.frames_reserve, (unsigned long)s.faults,
           (unsigned long)s.zero_fills, (unsigned long)s.image_copies,
           (unsigned long)s.pager_supplies, (unsigned long)s.store_ins, (unsigned long)s.pageouts,
           (unsigned long)s.evict_dirty, (unsigned long)s.throttled,
           (unsigned long)s.spaces_created, (unsigned long)s.space_switches,
           (unsigned long)s.spaces_destroyed, (unsigned long)s.exit_pages);
}

/* vmstat [SECONDS [COUNT]]: once, or every SECONDS (COUNT times, or until a key). */
static int cmd_vmstat(const struct command *c, struct words *w)
{
    uint64_t every = 0, count = UINT64_MAX;

    if (w->count > 3)
        return usage_error(c);
    if (w->count >= 2 && (!number_word(w->word[1], &every) || every == 0 || every > 3600)) {
        printf("vmstat: the interval is 1 to 3600 seconds\n");
        return 1;
    }
    if (w->count == 3 && (!number_word(w->word[2], &count) || count == 0))
        return 1;
    vmstat_print(true);
    for (uint64_t i = 1; every && i < count; i++) {
        if (shell_wait_interrupt((unsigned)every * 1000))
            break;
        vmstat_print(false);
    }
    return 0;
}

static int cmd_policy(const struct command *c, struct words *w)
{
    char name[16];
    long err;

    if (w->count > 2)
        return usage_error(c);
    if (w->count == 2 && (err = sys_vm_policy_set(ipc_host_port, w->word[1])) != 0) {
        printf("policy: cannot use %s: %s (fifo, clock, aging, nru, wsclock)\n", w->word[1],
               err_text(err));
        return 1;
    }
    if ((err = sys_vm_policy_get(name, sizeof(name))) < 0) {
        printf("policy: %s\n", err_text(err));
        return 1;
    }
    printf("pageout policy: %s\n", name);
    return 0;
}

/*
 * run PROG [ARGS...] [&]: a program, a job of its own when we hold the host
 * right (docs/security.md, "Jobs"), gets its arguments as one string (its
 * main's parameter), the words joined by spaces; a word that holds a space
 * or a quote is passed in double quotes, so the grouping typed survives.
 */
static int cmd_run(const struct command *c, struct words *w)
{
    char args[200] = "";
    bool background = w->count > 1 && strcmp(w->word[w->count - 1], "&") == 0;
    int nargs = w->count - background;

    if (nargs < 2)
        return usage_error(c);
    if (cmdline_join(w->word + 2, nargs - 2, args, sizeof(args)) < 0) {
        printf("run: arguments longer than %zu characters\n", sizeof(args) - 1);
        return 1;
    }
    /* A background program's task port, the right `kill` acts through, is kept by libipc's
     * spawn wrapper (task_port_of); a foreground one's is ours until we have waited. */
    port_name_t port = PORT_NULL;
    unsigned job = ipc_host_port != PORT_NULL ? TASK_SPAWN_JOB : 0; /* a job of its own */
    long id =
        background
            ? sys_task_spawn_flags(w->word[1], args, ipc_bootstrap_port, job, ipc_host_port)
            : sys_task_spawn_call(w->word[1], args, ipc_bootstrap_port, job, ipc_host_port, &port);
    if (id < 0) {
        printf("run: %s: %s\n", w->word[1], id == -ERR_NOENT ? "no such program" : err_text(id));
        return 1;
    }
    if (background) {
        printf("[%ld] %s\n", id, w->word[1]);
        return 0;
    }
    struct task_status st;
    long err = sys_task_wait(port, &st);
    if (err != 0) {
        printf("run: wait for %ld: %s\n", id, err_text(err));
        return 1;
    }
    const char *how = st.end == TASK_END_EXIT    ? "exited"
                      : st.end == TASK_END_FAULT ? "faulted"
                                                 : "killed";
    printf("[%ld] %s %s with status %d\n", id, w->word[1], how, st.code);
    return st.end != TASK_END_EXIT || st.code != 0;
}

static int cmd_kill(const struct command *c, struct words *w)
{
    uint64_t id;

    if (w->count != 2)
        return usage_error(c);
    if (!number_word(w->word[1], &id) || id == 0 || id > UINT32_MAX)
        return 1;
    port_name_t port = task_port_of((long)id); /* kept only for what this shell started */
    long err = port == TASK_PORT_NONE ? -ERR_PERM : sys_task_kill(port);
    if (err != 0 && err != -ERR_NOENT) {
        printf("kill: %lu: %s\n", (unsigned long)id,
               err == -ERR_PERM ? "not started by this shell" : err_text(err));
        return 1;
    }
    struct task_status st;
    sys_task_wait(port, &st); /* it is ours: collect it */
    task_port_forget(port);
    printf("[%lu] killed\n", (unsigned long)id);
    return 0;
}

/*
 * trace fault [N]: trace the next N faults of any task (default 1, at most
 * 64) and print each one's steps in the textbook's terms once it is over,
 * or what was caught when a key stops the wait.
 */
static int cmd_trace(const struct command *c, struct words *w)
{
    static struct trace_event events[1024];
    uint64_t want = 1;
    size_t n = 0, done = 0;
    long got;

    if (w->count < 2 || w->count > 3 || strcmp(w->word[1], "fault") != 0)
        return usage_error(c);
    if (w->count == 3 && (!number_word(w->word[2], &want) || want == 0 || want > 64)) {
        printf("trace: 1 to 64 faults\n");
        return 1;
    }
    long err = sys_trace_start(ipc_host_port, (uint32_t)want);
    if (err != 0) {
        printf("trace: %s\n", err_text(err));
        return 1;
    }
    printf("tracing the next %lu fault(s); a key stops\n", (unsigned long)want);
    while (done < want && n < ARRAY_SIZE(events)) {
        got = sys_trace_read(ipc_host_port, events + n, ARRAY_SIZE(events) - n);
        for (long i = 0; i < got; i++)
            done += events[n + (size_t)i].step == TRACE_RESTART;
        n += got > 0 ? (size_t)got : 0;
        if (done < want && got <= 0 && shell_wait_interrupt(100))
            break;
    }
    sys_trace_start(ipc_host_port, 0);
    for (uint64_t f = n ? events[0].fault : 1, last = n ? events[n - 1].fault : 0; f <= last; f++)
        trace_print_fault(events, n, f);
    printf("trace: %zu fault(s) complete, %zu stamps\n", done, n);
    return 0;
}

static int cmd_poweroff(const struct command *c, struct words *w)
{
    (void)c, (void)w;
    printf("shell: powering off\n");
    return -1;
}

static const struct command commands[] = {
    {"help", "", "this list", cmd_help},
    {"ps", "[ID]", "tasks; with ID, its regions and who pages them", cmd_ps},
    {"vmstat", "[SECONDS [COUNT]]", "memory and paging counters, once or repeated", cmd_vmstat},
    {"policy", "[NAME]", "show or set the pageout policy", cmd_policy},
    {"pagers", "", "the system's pager and every task serving memory", cmd_pagers},
    {"pager", "use NAME", "make NAME the default pager, with every object", cmd_pager},
    {"run", "PROG [ARGS...] [&]", "start a program; wait for it unless &", cmd_run},
    {"kill", "ID", "end a program this shell started", cmd_kill},
    {"trace", "fault [N]", "the steps of the next N faults (section 3.6.2)", cmd_trace},
    {"poweroff", "", "end the shell; init powers off", cmd_poweroff},
    {NULL, NULL, NULL, NULL},
};

int shell_run_words(struct words *w)
{
    if (w->count == 0)
        return 0;
    for (const struct command *c = commands; c->name; c++)
        if (strcmp(c->name, w->word[0]) == 0)
            return c->run(c, w);
    printf("shell: unknown command: %s (try help)\n", w->word[0]);
    return 1;
}

int shell_run_line(const char *line)
{
    static struct words w;
    const char *why = NULL;

    if (words_split(line, &w, &why) < 0) {
        printf("shell: error: %s\n", why);
        return 1;
    }
    return shell_run_words(&w);
}
