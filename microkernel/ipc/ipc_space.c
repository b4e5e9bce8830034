/*
 * Per-task IPC name spaces. Entries sit in pages added as the space grows
 * (up to IPC_SPACE_MAX_NAMES); a name is the entry index shifted left by 8
 * with an 8-bit generation below, bumped on every reuse, so a stale name is
 * refused instead of reaching another port. A small hash finds the entry of
 * a port, so one name holds a task's send and receive rights for a port.
 * The last page goes back when it is empty and a page's worth of names is
 * free besides (no frame thrashes at a page boundary); a page grown again
 * starts its generations after the ones it had.
 */
#include <abi/errors.h>
#include <ipc/ipc.h>
#include <ipc/ipc_right.h>
#include <kern/kmalloc.h>
#include <kern/printk.h>
#include <lib/lib.h>
#include <vm/frame.h>

#define NAME_INDEX(name) IPC_NAME_INDEX(name)
#define NAME_GEN(name) IPC_NAME_GEN(name)
#define entry_at ipc_entry_at

static uint32_t bucket_of(const void *object)
{
    return ((uintptr_t)object >> 6) % IPC_HASH_BUCKETS;
}

/* Add one page of entries to the free list; false when full or out of memory. */
static bool space_grow(struct ipc_space *space)
{
    if (space->size >= IPC_SPACE_MAX_NAMES)
        return false;
    paddr_t pa = frame_alloc(FRAME_KERNEL, space);
    if (!pa)
        return false;
    frame_charge(pa, space->acct); /* whoever's right makes it grow */
    struct ipc_entry *page = phys_to_virt(pa);
    uint32_t base = space->size;

    memset(page, 0, PAGE_SIZE);
    space->pages[base / IPC_ENTRIES_PER_PAGE] = page;
    space->size += IPC_ENTRIES_PER_PAGE;
    for (uint32_t i = IPC_ENTRIES_PER_PAGE; i-- > 0;) {
        if (base + i == 0)
            continue; /* index 0 would make name 0 (PORT_NULL) possible */
        page[i].gen = space->page_gen[base / IPC_ENTRIES_PER_PAGE] ?: 1;
        page[i].next = space->free_head;
        space->free_head = base + i;
    }
    return true;
}

/* The generation after @gen: 1..255, never 0. */
static uint8_t gen_next(uint8_t gen)
{
    return gen == 0xff ? 1 : gen + 1;
}

/*
 * Give back the last page while it holds no name and a page's worth of
 * free names remains besides. Its entries leave the free list (a walk
 * bounded by IPC_SPACE_MAX_NAMES); the page's generations are remembered
 * so that a stale name does not come back to life when it grows again.
 */
static void space_shrink(struct ipc_space *space)
{
    uint32_t last = space->size / IPC_ENTRIES_PER_PAGE;

    while (last > 1 && space->page_used[last - 1] == 0 &&
           space->used + 2 * IPC_ENTRIES_PER_PAGE <= space->size) {
        struct ipc_entry *page = space->pages[--last];
        uint32_t base = last * IPC_ENTRIES_PER_PAGE;
        uint8_t gen = 0;
        for (uint32_t *link = &space->free_head; *link;) {
            if (*link >= base)
                *link = entry_at(space, *link)->next;
            else
                link = &entry_at(space, *link)->next;
        }
        for (uint32_t i = 0; i < IPC_ENTRIES_PER_PAGE; i++)
            gen = MAX(gen, page[i].gen);
        space->page_gen[last] = gen_next(gen);
        space->pages[last] = NULL;
        space->size = base;
        frame_free(virt_to_phys(page));
    }
}

int ipc_space_init(struct ipc_space *space)
{
    memset(space, 0, sizeof(*space));
    list_init(&space->dead_name_requests);
    space->acct = acct_current(); /* the task being made */
    space->hash = kzalloc(IPC_HASH_BUCKETS * sizeof(uint32_t));
    return space->hash ? 0 : -1;
}

port_name_t ipc_entry_name(const struct ipc_space *space, const struct ipc_entry *entry)
{
    for (uint32_t p = 0; p < space->size / IPC_ENTRIES_PER_PAGE; p++) {
        const struct ipc_entry *page = space->pages[p];
        if (entry >= page && entry < page + IPC_ENTRIES_PER_PAGE)
            return ((p * IPC_ENTRIES_PER_PAGE + (uint32_t)(entry - page)) << 8) | entry->gen;
    }
    panic("ipc_entry_name: entry not in space");
}

struct ipc_entry *ipc_entry_alloc(struct ipc_space *space, port_name_t *name)
{
    if (!space->free_head && !space_grow(space))
        return NULL;
    uint32_t index = space->free_head;
    struct ipc_entry *e = entry_at(space, index);

    KASSERT(index < space->size && e->rights == 0 && !e->object);
    space->free_head = e->next;
    e->next = 0;
    e->rights = 0;
    e->send_refs = 0;
    e->so_seq = 0;
    space->used++;
    space->page_used[index / IPC_ENTRIES_PER_PAGE]++;
    *name = (index << 8) | e->gen;
    return e;
}

void ipc_entry_free(struct ipc_space *space, port_name_t name)
{
    uint32_t index = NAME_INDEX(name);
    struct ipc_entry *e = entry_at(space, index);

    KASSERT(index < space->size && space->used > 0 && e->gen == NAME_GEN(name));
    e->object = NULL;
    e->rights = 0;
    e->gen = gen_next(e->gen);
    e->next = space->free_head;
    space->free_head = index;
    space->used--;
    space->page_used[index / IPC_ENTRIES_PER_PAGE]--;
    space_shrink(space);
}

void ipc_entry_hash(struct ipc_space *space, port_name_t name)
{
    struct ipc_entry *e = entry_at(space, NAME_INDEX(name));
    uint32_t b = bucket_of(e->object);

    KASSERT(e->object && e->next == 0);

    e->next = space->hash[b];
    space->hash[b] = NAME_INDEX(name);
}

void ipc_entry_unhash(struct ipc_space *space, port_name_t name)
{
    struct ipc_entry *e = entry_at(space, NAME_INDEX(name));
    uint32_t *link = &space->hash[bucket_of(e->object)];

    while (*link && *link != NAME_INDEX(name))
        link = &entry_at(space, *link)->next;
    if (*link)
        *link = e->next;
    e->next = 0;
}

struct ipc_entry *ipc_entry_find_port(struct ipc_space *space, struct port *port)
{
    for (uint32_t i = space->hash[bucket_of(port)]; i; i = entry_at(space, i)->next) {
        struct ipc_entry *e = entry_at(space, i);
        if (e->object == port && (e->rights & (IPC_RIGHT_SEND | IPC_RIGHT_RECEIVE)))
            return e;
    }
    return NULL;
}

uint32_t ipc_space_free_names(const struct ipc_space *space)
{
    return IPC_SPACE_MAX_NAMES - 1 - space->used;
}

int ipc_space_reserve_slow(struct ipc_space *space, uint32_t n)
{
    while ((space->size ? space->size - 1 - space->used : 0) < n) {
        if (space->size >= IPC_SPACE_MAX_NAMES)
            return -ERR_NOSPACE;
        if (!space_grow(space))
            return -ERR_NOMEM;
    }
    return 0;
}

void ipc_space_destroy(struct ipc_space *space)
{
    ipc_space_drop_dead_name_requests(space);
    for (uint32_t i = 1; i < space->size; i++) {
        struct ipc_entry *e = entry_at(space, i);
        if (e->object || e->rights)
            ipc_right_release_entry(space, (i << 8) | e->gen, e);
    }
    for (uint32_t p = 0; p < space->size / IPC_ENTRIES_PER_PAGE; p++)
        frame_free(virt_to_phys(space->pages[p]));
    kfree(space->hash);
    memset(space, 0, sizeof(*space));
}

/* One entry in use, at @index: its rights agree with its object. NULL, or what is broken. */
static const char *entry_check(struct ipc_space *space, struct task *task, uint32_t index,
                               struct ipc_entry *e)
{
    struct port *port = e->object;
    uint8_t kinds = e->rights & (IPC_RIGHT_RECEIVE | IPC_RIGHT_SEND | IPC_RIGHT_SEND_ONCE);

    if (e->gen == 0 || !e->rights)
        return "an entry in use with generation 0 or no rights";
    if (e->rights & IPC_RIGHT_PORT_SET)
        return e->rights == IPC_RIGHT_PORT_SET && e->object ? NULL : "a bad port-set entry";
    if (!kinds)
        return NULL; /* a dead name */
    if (!port || !port->refs)
        return "a port entry without a live port";
    if ((e->rights & IPC_RIGHT_SEND_ONCE) && e->rights != IPC_RIGHT_SEND_ONCE)
        return "a send-once right shares its name";
    if (!(e->rights & IPC_RIGHT_SEND) != !e->send_refs)
        return "send references without a send right, or the reverse";
    if ((e->rights & IPC_RIGHT_RECEIVE) &&
        (port->dead || port->receiver != task || IPC_NAME_INDEX(port->recv_name) != index))
        return "a receive right whose port names another receiver";
    if (kinds != IPC_RIGHT_SEND_ONCE && ipc_entry_find_port(space, port) != e)
        return "a port's name not found through the reverse hash";
    port->audit_names++;
    port->audit_sends += e->send_refs;
    port->audit_once += kinds == IPC_RIGHT_SEND_ONCE;
    return NULL;
}

const char *ipc_space_check(struct ipc_space *space, struct task *task)
{
    uint32_t used = 0, free = 0;
    const char *why = NULL;

    if (space->size % IPC_ENTRIES_PER_PAGE || space->size > IPC_SPACE_MAX_NAMES)
        return "a name space of a bad size";
    for (uint32_t i = 1; i < space->size && !why; i++) {
        struct ipc_entry *e = entry_at(space, i);
        if (e->object || e->rights) {
            used++;
            why = entry_check(space, task, i, e);
        }
    }
    for (uint32_t i = space->free_head; i && !why; i = entry_at(space, i)->next)
        if (i >= space->size || free++ >= space->size || entry_at(space, i)->rights ||
            entry_at(space, i)->object)
            why = "a bad entry on the free list";
    if (!why && used != space->used)
        why = "entries in use differ from the used count";
    if (!why && space->size && free != space->size - 1 - used)
        why = "free entries and entries in use do not add up";
    return why;
}
