/*
 * init's name service: the naming interface (libipc/idl/naming.idl) served
 * from a thread of its own over the registry, so init's main thread stays
 * free to spawn and wait for programs. Every task init spawns gets a send
 * right to the service's port as its bootstrap port.
 */
#ifndef INIT_NAMING_SERVICE_H
#define INIT_NAMING_SERVICE_H

#include <abi/ipc.h>

/* The name init registers its own service under. */
#define NAMING_SERVICE_NAME "naming"

/*
 * Create the service's ports, register the service itself as
 * NAMING_SERVICE_NAME, start its thread and wait until it serves. Call once,
 * from the main thread, before any program runs: every page and kernel
 * object the service keeps is made here. Returns 0 or -ERR_* (with a FAIL
 * line printed).
 */
int naming_service_start(void);

/* The port to hand out as bootstrap port (init holds its receive right). */
port_name_t naming_service_port(void);

/*
 * Wait until the service has handled every message queued before this call
 * and dropped every entry whose service died (called after each program, so
 * the frame count does not include what a finished program left behind).
 * Returns 0 or -ERR_*.
 */
int naming_service_sync(void);
/* Make @alias another name of the service registered as @target (registry_alias). */
int naming_service_alias(const char *alias, const char *target);

#endif
