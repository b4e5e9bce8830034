/*
 * What init's own files share: reading the kernel command line (cmdline.c),
 * starting the backing-store server and the system's pager (start.c),
 * counting free frames and swap blocks around each program (leak_check.c)
 * and running the programs `run=` names (run.c). main is in init.c.
 */
#ifndef INIT_INIT_H
#define INIT_INIT_H

#include <abi/ipc.h>
#include <abi/syscall.h>
#include <ipc/pager_stats.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* cmdline.c: the words of the kernel command line @args. */

/*
 * Check that every word of @args is "key=value" or a flag the kernel knows.
 * Returns 0, or -1 after printing why (a space cut an argument in two).
 */
int init_cmdline_check(const char *args);
/*
 * Copy the value of the last `run=` word of @args into @out (@size bytes),
 * or the default list when there is none. Returns 0, or -1 after printing
 * why when it does not fit.
 */
int init_parse_run(const char *args, char *out, size_t size);
/* Is @name in the comma-separated `drivers=` list of @args? */
bool init_is_driver(const char *args, const char *name);
/* Is @name in the comma-separated `host_priv=` list of @args? */
bool init_is_host_priv(const char *args, const char *name);
/*
 * Copy the name of the system's pager, the value of the last `pager=` word of
 * @args ("default_pager" when there is none; "kernel" for the in-kernel
 * pager), into @out (@size bytes). Returns 0, or -1 after printing why when
 * it is empty or does not fit.
 */
int init_pager_name(const char *args, char *out, size_t size);
/* Write the system pager's argument string for @args into @out (@size bytes). */
void init_default_pager_args(const char *args, char *out, size_t size);

/* start.c: the servers init starts before any program. */

/*
 * Start the system's pager, boot module @name (nothing for "kernel"), with
 * swap=disk the backing-store server before it, as @args asks; wait until it
 * serves and publish its port as PAGER_SYSTEM_NAME (<ipc/pager_stats.h>).
 * Returns 0, 1 on failure (with a FAIL line printed) or 2 when the image has
 * no program @name (an error in the arguments, printed).
 */
int init_start_pager(const char *args, const char *name);
/* The system pager's port when it pages to a disk, else PORT_NULL. */
port_name_t init_swap_pager_port(void);
/* The system pager's port (PORT_NULL with the in-kernel pager). */
port_name_t init_default_pager_port(void);

/* leak_check.c: what a program must give back, and what other tasks gained meanwhile. */

#define INIT_LEAK_TASKS 64 /* tasks whose figures the report compares */

struct init_leak_counts {
    struct task_acct held; /* after: what the program holds once it has ended */
    /* after: what it leaves with the system pager's swap (pager_stats owner), and the answer's
     * code (-ERR_NOENT: no pager with a disk) */
    struct pager_owner_info swap;
    long swap_err;
    struct {
        uint32_t id;
        uint64_t frames;
    } tasks[INIT_LEAK_TASKS]; /* frames each live task holds */
    unsigned ntasks;
};

/* Free frames now, or 0 after printing a FAIL line when the kernel refuses. */
uint64_t init_frames_free(void);
/* Count in @before, just before a program starts, what each task holds. */
void init_leak_count(struct init_leak_counts *before);
/*
 * Wait for program @task's end (an event) and count in @after what it still
 * holds, then what it leaves with the system pager (its answer: another
 * event), and the rest as init_leak_count; no printing. Returns 0 or -ERR_*.
 */
long init_leak_settle(long task, const struct init_leak_counts *before,
                      struct init_leak_counts *after);
/* Report program @name's counts. Returns 0 when it holds nothing, else 1 (FAIL printed). */
int init_leak_check(const char *name, const struct init_leak_counts *before,
                    const struct init_leak_counts *after);

/* run.c: the programs of `run=`. */

/*
 * Run every program of the comma-separated @list in turn, after checking
 * the whole list; @args is the kernel command line. Returns 0 when all
 * passed, else 1 (a malformed list runs nothing).
 */
int init_run_list(const char *args, const char *list);

/*
 * shell=on: run the shell on the console (after the run= list) until its
 * poweroff; shell="CMD; CMD": run those commands in it. Returns 0 when the
 * shell ended with status 0 (or none was asked for), else 1.
 */
int init_run_shell(const char *args);

#endif
