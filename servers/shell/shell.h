/*
 * The shell: the console server and a command interpreter in one task.
 * Interactive, it owns console input (console.idl); started as
 * `shell -c "cmd; cmd"` (from `shell="cmd; cmd"` on init's command line) it
 * runs the commands and ends. Commands are in commands.c, one table.
 */
#ifndef SHELL_SHELL_H
#define SHELL_SHELL_H

#include "words.h"

#include <stdbool.h>

/* Run one command given as words. Returns 0, or 1 when it failed, -1 for poweroff. */
int shell_run_words(struct words *w);
/* Run a command line. Same results. */
int shell_run_line(const char *line);

/*
 * For commands that repeat (vmstat N): wait @ms milliseconds for console
 * input; true if the user typed something (which is then dropped), so the
 * command stops. In batch mode it only waits.
 */
bool shell_wait_interrupt(unsigned ms);

#endif
