/*
 * The registry behind init's name service: a bounded table from service
 * names to the send rights init holds for them. It makes no system call
 * itself; port liveness, releasing a right and asking for a dead-name
 * notification go through a small table of callbacks, so the host tests
 * drive it with fakes.
 *
 * Policy: a name is 1..REGISTRY_NAME_MAX-1 printable ASCII characters
 * without spaces (0x21..0x7e). Registering a name that is taken by a live
 * service fails with -ERR_BUSY; a name whose service died is taken over.
 * Entries whose port died are dropped when a dead-name notification names
 * the port, when a lookup finds them (-ERR_DEAD), and by sweeps.
 */
#ifndef INIT_REGISTRY_H
#define INIT_REGISTRY_H

#include <abi/errors.h>
#include <abi/ipc.h>
#include <stdbool.h>

#define REGISTRY_SIZE 64     /* services at most */
#define REGISTRY_NAME_MAX 48 /* bytes of a name with its NUL */

/* What the registry asks of its owner; @cookie is the one given to registry_init(). */
struct registry_ops {
    /* True when the port behind send right @port died (or @port is no longer held). */
    bool (*dead)(void *cookie, port_name_t port);
    /* Drop one send reference held under @port. */
    void (*release)(void *cookie, port_name_t port);
    /* Ask for a dead-name notification for @port; failure is tolerated. */
    void (*watch)(void *cookie, port_name_t port);
};

struct registry_entry {
    port_name_t port; /* one send reference owned by the registry; PORT_NULL: free */
    char name[REGISTRY_NAME_MAX];
};

struct registry {
    const struct registry_ops *ops;
    void *cookie;
    unsigned count; /* entries in use */
    struct registry_entry entries[REGISTRY_SIZE];
    /* One alias: a lookup of @alias is a lookup of @alias_target ("": none). */
    char alias[REGISTRY_NAME_MAX];
    char alias_target[REGISTRY_NAME_MAX];
};

/* Start an empty registry that calls @ops with @cookie. */
void registry_init(struct registry *reg, const struct registry_ops *ops, void *cookie);

/*
 * Register send right @port under @name (read up to REGISTRY_NAME_MAX bytes).
 * Consumes the one send reference in every case: it is kept on success and
 * released on failure. Returns 0, -ERR_INVAL (bad name or PORT_NULL), -ERR_BUSY
 * (taken by a live service) or -ERR_LIMIT (full even after dropping dead entries).
 */
int registry_add(struct registry *reg, const char *name, port_name_t port);

/*
 * Make @alias another name for the service registered as @target (init's
 * "pager": whichever pager is the default now). Setting it again moves it.
 * Returns 0, -ERR_INVAL (a bad name, or @alias equal to @target) or
 * -ERR_BUSY (@alias is a registered service's own name). Registering a
 * service under the alias fails with -ERR_BUSY while it is set.
 */
int registry_alias(struct registry *reg, const char *alias, const char *target);
/*
 * Find @name and store its send right in *@port; the registry keeps its
 * reference. Returns 0, -ERR_INVAL (bad name), -ERR_NOENT (not registered)
 * or -ERR_DEAD (its service died; the entry is dropped).
 */
int registry_lookup(struct registry *reg, const char *name, port_name_t *port);

/*
 * A dead-name notification named @port: when ops->dead confirms it (so a
 * forged or stale notification changes nothing), drop every entry holding
 * it. Returns the number of entries dropped.
 */
unsigned registry_port_died(struct registry *reg, port_name_t port);

/* Drop every entry whose port died. Returns the number of entries dropped. */
unsigned registry_sweep(struct registry *reg);

#endif
