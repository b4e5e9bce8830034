/*
 * The name registry of init's name service (see registry.h for the policy).
 * A linear table of REGISTRY_SIZE entries is plenty for the handful of
 * servers a boot starts; every function checks its arguments before it
 * changes anything, and no input can make it write outside an entry.
 */
#include "registry.h"

#include <stdbool.h>
#include <stddef.h>

/* Length of @name when it is a valid service name, else 0. Reads at most REGISTRY_NAME_MAX bytes.
 */
static size_t registry_name_length(const char *name)
{
    size_t n;

    if (name == NULL)
        return 0;
    for (n = 0; n < REGISTRY_NAME_MAX; n++) {
        unsigned char c = (unsigned char)name[n];
        if (c == '\0')
            return n;
        if (c < 0x21 || c > 0x7e)
            return 0;
    }
    return 0; /* no NUL within REGISTRY_NAME_MAX bytes: too long */
}

/* The entry registered as @name (@len characters), or NULL. */
static struct registry_entry *registry_find(struct registry *reg, const char *name, size_t len)
{
    for (unsigned i = 0; i < REGISTRY_SIZE; i++) {
        struct registry_entry *e = &reg->entries[i];
        size_t k = 0;

        if (e->port == PORT_NULL)
            continue;
        while (k < len && e->name[k] == name[k])
            k++;
        if (k == len && e->name[k] == '\0')
            return e;
    }
    return NULL;
}

/* Empty entry @e, releasing the send reference it held. */
static void registry_drop(struct registry *reg, struct registry_entry *e)
{
    port_name_t port = e->port;

    e->port = PORT_NULL;
    e->name[0] = '\0';
    reg->count--;
    reg->ops->release(reg->cookie, port);
}

/* A free entry, or NULL when all REGISTRY_SIZE are in use. */
static struct registry_entry *registry_free_entry(struct registry *reg)
{
    for (unsigned i = 0; i < REGISTRY_SIZE; i++)
        if (reg->entries[i].port == PORT_NULL)
            return &reg->entries[i];
    return NULL;
}

void registry_init(struct registry *reg, const struct registry_ops *ops, void *cookie)
{
    reg->ops = ops;
    reg->cookie = cookie;
    reg->count = 0;
    reg->alias[0] = reg->alias_target[0] = '\0';
    for (unsigned i = 0; i < REGISTRY_SIZE; i++) {
        reg->entries[i].port = PORT_NULL;
        reg->entries[i].name[0] = '\0';
    }
}

/* Is @name (@len characters) the alias? */
static bool registry_is_alias(const struct registry *reg, const char *name, size_t len)
{
    size_t k = 0;

    while (k < len && reg->alias[k] == name[k])
        k++;
    return reg->alias[0] != '\0' && k == len && reg->alias[k] == '\0';
}

/* Check @name and @port and find room for them; 0 or -ERR_* with nothing changed but dead entries.
 */
static int registry_add_check(struct registry *reg, const char *name, size_t len, port_name_t port,
                              struct registry_entry **slot)
{
    struct registry_entry *old;

    if (len == 0 || port == PORT_NULL)
        return -ERR_INVAL;
    if (registry_is_alias(reg, name, len))
        return -ERR_BUSY;
    old = registry_find(reg, name, len);
    if (old != NULL) {
        if (!reg->ops->dead(reg->cookie, old->port))
            return -ERR_BUSY;
        registry_drop(reg, old); /* a restarted server takes its name back */
    }
    *slot = registry_free_entry(reg);
    if (*slot == NULL && registry_sweep(reg) > 0)
        *slot = registry_free_entry(reg);
    return *slot != NULL ? 0 : -ERR_LIMIT;
}

int registry_add(struct registry *reg, const char *name, port_name_t port)
{
    size_t len = registry_name_length(name);
    struct registry_entry *e = NULL;
    int err = registry_add_check(reg, name, len, port, &e);

    if (err != 0) {
        if (port != PORT_NULL)
            reg->ops->release(reg->cookie, port);
        return err;
    }
    for (size_t k = 0; k <= len; k++)
        e->name[k] = name[k];
    e->port = port;
    reg->count++;
    reg->ops->watch(reg->cookie, port);
    return 0;
}

int registry_alias(struct registry *reg, const char *alias, const char *target)
{
    size_t alen = registry_name_length(alias), tlen = registry_name_length(target);
    size_t k = 0;

    if (alen == 0 || tlen == 0)
        return -ERR_INVAL;
    while (k < alen && alias[k] == target[k])
        k++;
    if (k == alen && k == tlen)
        return -ERR_INVAL; /* a name for itself */
    if (registry_find(reg, alias, alen) != NULL)
        return -ERR_BUSY;
    for (k = 0; k <= alen; k++)
        reg->alias[k] = alias[k];
    for (k = 0; k <= tlen; k++)
        reg->alias_target[k] = target[k];
    return 0;
}

int registry_lookup(struct registry *reg, const char *name, port_name_t *port)
{
    size_t len = registry_name_length(name);
    struct registry_entry *e;

    if (len == 0)
        return -ERR_INVAL;
    if (registry_is_alias(reg, name, len)) {
        name = reg->alias_target;
        len = registry_name_length(name);
    }
    e = registry_find(reg, name, len);
    if (e == NULL)
        return -ERR_NOENT;
    if (reg->ops->dead(reg->cookie, e->port)) {
        registry_drop(reg, e);
        return -ERR_DEAD;
    }
    *port = e->port;
    return 0;
}

unsigned registry_port_died(struct registry *reg, port_name_t port)
{
    unsigned dropped = 0;

    if (port == PORT_NULL || !reg->ops->dead(reg->cookie, port))
        return 0;
    for (unsigned i = 0; i < REGISTRY_SIZE; i++) {
        if (reg->entries[i].port == port) {
            registry_drop(reg, &reg->entries[i]);
            dropped++;
        }
    }
    return dropped;
}

unsigned registry_sweep(struct registry *reg)
{
    unsigned dropped = 0;

    for (unsigned i = 0; i < REGISTRY_SIZE; i++) {
        struct registry_entry *e = &reg->entries[i];
        if (e->port != PORT_NULL && reg->ops->dead(reg->cookie, e->port)) {
            registry_drop(reg, e);
            dropped++;
        }
    }
    return dropped;
}
