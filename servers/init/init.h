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

/* leak_check.c: the frames and swap blocks a program must give back. */

struct init_leak_counts {
    struct vm_stat kinds; /* frames by kind, for the leak report */
    uint64_t frames;      /* free frames */
    uint64_t swap;        /* free swap blocks, 0 when the default pager has no disk */
};

/* Free frames now, or 0 after printing a FAIL line when the kernel refuses. */
uint64_t init_frames_free(void);
/* Count what is free in @before, just before a program starts. */
void init_leak_count(struct init_leak_counts *before);
/* After a program: wait (a bounded time) until the counts are back at @before; no printing. */
void init_leak_settle(const struct init_leak_counts *before, struct init_leak_counts *after);
/* Report program @name's counts. Returns 0 when everything came back, else 1 (FAIL printed). */
int init_leak_check(const char *name, const struct init_leak_counts *before,
                    struct init_leak_counts *after);

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
