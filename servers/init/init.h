/*
 * What init's own files share: reading the kernel command line (cmdline.c)
 * and starting the backing-store server and the default pager (start.c).
 * main and the programs it runs are in init.c.
 */
#ifndef INIT_INIT_H
#define INIT_INIT_H

#include <abi/ipc.h>
#include <abi/syscall.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* cmdline.c: the words of the kernel command line @args. */

/* Is @word one of the space-separated words of @args? */
bool init_has_word(const char *args, const char *word);
/* Copy the value of the `run=` word of @args into @out (@size bytes); default if absent. */
void init_parse_run(const char *args, char *out, size_t size);
/* Is @name in the comma-separated `drivers=` list of @args? */
bool init_is_driver(const char *args, const char *name);
/* Write the default pager's argument string for @args into @out (@size bytes). */
void init_default_pager_args(const char *args, char *out, size_t size);

/* start.c: the servers init starts before any program. */

/*
 * Start the default pager (and with swap=disk the backing-store server
 * before it) as @args asks, and wait until it serves. Returns 0 or 1 on
 * failure (with a FAIL line printed).
 */
int init_start_default_pager(const char *args);
/* The default pager's port when it swaps to disk, else PORT_NULL. */
port_name_t init_swap_pager_port(void);

#endif
