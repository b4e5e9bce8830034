/*
 * init's exception handler for the programs it starts (exceptions.c).
 */
#ifndef INIT_EXCEPTIONS_H
#define INIT_EXCEPTIONS_H

#include <abi/ipc.h>

/*
 * Make the exception port, make it init's own, and start the thread serving
 * it. 0 or -1.
 */
int exceptions_start(void);
/*
 * Spawn boot module @module with @args, init's naming port as bootstrap and
 * SYS_TASK_SPAWN @flags (with init's host right when they ask for one). The
 * child's exceptions come to init from its first instruction; unless @port
 * is NULL, init gets a send right to its task port there. Id or -ERR_*.
 */
long exceptions_spawn(const char *module, const char *args, unsigned flags, port_name_t *port);

#endif
