/*
 * What init's own files share: reading the kernel command line (cmdline.c).
 * main and the programs it runs are in init.c.
 */
#ifndef INIT_INIT_H
#define INIT_INIT_H

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

#endif
