/*
 * init's pager switch (init_pager.idl), served on the name service's port:
 * a holder of the host-privilege right names a registered pager, and init
 * makes it the default pager with its own right and moves every object of
 * the previous default pager to it, with its data (SYS_VM_PAGER_MIGRATE).
 * The name service thread waits for the migration meanwhile.
 */
#include "registry.h"

#include <init_pager_defs.h>
#include <ipc/fmt.h>
#include <ipc/ipc.h>
#include <ipc/pager_stats.h>
#include <ipc/string.h>
#include <ipc/sys.h>

/*
 * Copy the name @reg holds send right @port under into @out
 * (REGISTRY_NAME_MAX bytes), or "": the pager's own name, not the
 * PAGER_SYSTEM_NAME init published for the boot pager.
 */
static void pager_switch_name_of(const struct registry *reg, port_name_t port, char *out)
{
    out[0] = '\0';
    for (unsigned i = 0; i < REGISTRY_SIZE && port != PORT_NULL; i++) {
        if (reg->entries[i].port == port && strcmp(reg->entries[i].name, PAGER_SYSTEM_NAME) != 0) {
            memcpy(out, reg->entries[i].name, REGISTRY_NAME_MAX);
            return;
        }
    }
}

/*
 * Make the send right @pager (registered as @name) the default pager and
 * move the previous one's objects to it; on failure the previous one is the
 * default again. The name of the previous pager goes to @previous. Returns 0
 * or -ERR_*.
 */
static int pager_switch(struct registry *reg, const char *name, port_name_t pager, char *previous)
{
    long old = sys_set_default_pager(ipc_host_port, pager);

    if (old < 0)
        return (int)old;
    if (old == pager) { /* the same port (the same name here): nothing to move */
        port_deallocate(old);
        return -ERR_INVAL;
    }
    long moved = old == PORT_NULL ? 0 : sys_vm_pager_migrate(ipc_host_port, old, pager);
    if (moved < 0) {
        long back = sys_set_default_pager(ipc_host_port, old);
        if (back > 0)
            port_deallocate(back);
        port_deallocate(old);
        return (int)moved;
    }
    pager_switch_name_of(reg, old, previous);
    if (old != PORT_NULL)
        port_deallocate(old);
    registry_alias(reg, PAGER_SYSTEM_NAME, name); /* "pager" names the new default pager */
    printf("init: the default pager is now %s (was %s): %ld objects moved\n", name,
           previous[0] ? previous : "unnamed", moved);
    return 0;
}

/* Handler of init_pager.use_pager (init_pager.idl): @ctx is the name service's registry. */
int init_pager_do_use_pager(void *ctx, port_name_t host, const char *name, char *previous)
{
    struct registry *reg = ctx;
    port_name_t pager;
    bool allowed = host != PORT_NULL && host == ipc_host_port; /* one name per port */

    port_deallocate(host); /* the reference the request brought; init keeps its own */
    previous[0] = '\0';
    if (!allowed)
        return -ERR_PERM;
    int err = registry_lookup(reg, name, &pager);
    return err < 0 ? err : pager_switch(reg, name, pager, previous);
}
