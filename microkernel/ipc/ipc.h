/*
 * Kernel IPC objects: ports, port sets, per-task name spaces and messages in
 * transit. A port has one receiver (the task holding its receive right),
 * counted send rights and send-once rights, a bounded message queue and the
 * threads blocked on it. A task names ports through its own name space; a
 * name is an index into the task's entry table plus a generation, so a stale
 * name is detected rather than silently reused.
 */
#ifndef KERNEL_IPC_H
#define KERNEL_IPC_H

#include <abi/ipc.h>
#include <kern/printk.h>
#include <lib/list.h>
#include <mmu.h>
#include <stdbool.h>
#include <stdint.h>
#include <task/sched.h>

struct task;
struct port;
struct kmsg;

/* Bytes of data a kernel object's answer may carry (a pager's query_bits: 8 + 512). */
#define IPC_KOBJECT_INLINE_MAX 520u

/*
 * A kernel object's answer: the reply's words (w[0] its code, set by IPC
 * from what the handler returns; then scalar outputs) and @inline_size bytes
 * of data that go as the reply's inline part.
 */
struct ipc_kobject_answer {
    uint64_t w[IPC_WORDS];
    uint32_t inline_size;
    uint8_t bytes[IPC_KOBJECT_INLINE_MAX];
};

/*
 * What a kernel object port is, given by the subsystem that owns the object
 * (vm: memory-object control ports; kern: the host-privilege port; task:
 * task ports), so that IPC hands messages on without knowing the object.
 * @call handles message @m to @object in the sender's context and returns
 * the code of the answer (0 or -ERR_*), with data in *@out when @out is not
 * NULL; @m stays the caller's.
 */
struct ipc_kobject_ops {
    const char *name;
    int (*call)(void *object, struct kmsg *m, struct ipc_kobject_answer *out);
    /* NULL, or called when the port's last send right goes (a task port: task/task_port.c) */
    void (*no_senders)(void *object);
};

/* A right carried by a message. */
struct kright {
    struct port *port; /* NULL: no right */
    uint8_t kind;      /* IPC_RIGHT_RECEIVE, _SEND or _SEND_ONCE */
    uint32_t so_seq;   /* send-once: the reply sequence it answers */
};

struct kdesc {
    uint32_t type;               /* enum ipc_desc_type */
    uint32_t flags;              /* OOL: IPC_OOL_* */
    struct kright right;         /* PORT */
    uint32_t first_page, npages; /* OOL: slice of kmsg.ool */
};

/* The descriptor part of a message, allocated only for messages that carry some. */
struct kmsg_parts {
    struct kdesc desc[IPC_DESC_MAX];
    paddr_t ool[IPC_OOL_MAX_PAGES];
};

/* A message in the kernel: queued on a port, or being delivered. Small, so
 * the common register-only message is one small slab object. */
struct kmsg {
    struct list_node link;
    uint32_t id;
    bool send_once_dead; /* the kernel's notice that a send-once right died unused */
    bool user;           /* a task sent it (ipc_kmsg_copyin); else the kernel (IPC_TAG_KERNEL) */
    uint32_t reply_seq;  /* sent through a send-once right: its sequence */
    struct kright reply; /* the reply right it carries */
    uint64_t w[IPC_WORDS];
    uint32_t ndesc;
    struct kdesc *desc; /* IPC_DESC_MAX entries when ndesc > 0 (struct kmsg_parts) */
    uint32_t inline_size;
    uint8_t *inline_data; /* kzalloc'd, or a whole frame when large */
    uint32_t ool_pages;
    paddr_t *ool; /* IPC_OOL_MAX_PAGES entries, with desc */
    /* On the list of whoever waits for its delivery (a memory object's data
     * returns in flight), until it is received or destroyed. */
    struct list_node watch_link;
};

struct port {
    uint32_t refs;             /* kernel references: names, rights in transit, sets */
    bool dead;                 /* the receive right is gone */
    struct task *receiver;     /* holder of the receive right; NULL in transit or dead */
    uint32_t acct;             /* the account charged with it: its receiver's, else the kernel's */
    port_name_t recv_name;     /* the receive right's name in the receiver */
    struct thread *reply_of;   /* a thread's reply port: the thread, else NULL */
    uint32_t reply_seq;        /* reply ports: sequence of the call being waited for */
    uint32_t seqno;            /* messages received from it so far: the next one's number */
    struct pset *set;          /* the set it is a member of, or NULL */
    struct list_node set_link; /* in set->members */
    struct list_node ready_link; /* in set->ready while it has messages */
    struct list_node queue;      /* struct kmsg.link */
    uint32_t qcount, qlimit;
    uint32_t send_rights; /* send rights in existence (names' refs and in transit) */
    uint32_t send_once_rights;
    struct wait_queue receivers;         /* threads blocked receiving on this port */
    struct wait_queue senders;           /* threads blocked on a full queue */
    struct list_node dead_name_requests; /* watching it: struct dead_name_request.link */
    struct list_node notify_requests;    /* telling it: struct dead_name_request.notify_link */
    void *kobject; /* a kernel object port: the object (memory object control, host) */
    const struct ipc_kobject_ops *kobject_ops; /* with kobject: who handles its messages */
    struct list_node
        pager_objects;         /* memory objects this port pages: struct vm_object.pager_link */
    uint64_t pager_full_until; /* store_full: no modified pages for it before this time (ns) */
    uint32_t pager_inits;      /* its objects whose init has had no ready or refuse yet */
    /* quota (vm_pager_quota.c): at most this many of its objects' pages resident (0: none),
     * the most there were since it was set, and data_requests sent over it */
    uint64_t pager_quota, pager_quota_peak, pager_quota_signals;
    /* kernel_check's scratch: the names, send and send-once refs all spaces hold */
    uint32_t audit_names, audit_sends, audit_once;
};

struct pset {
    uint32_t refs;
    struct list_node members; /* struct port.set_link */
    struct list_node ready;   /* members with messages: struct port.ready_link */
    struct wait_queue receivers;
};

/* A right in transit, or the object a name denotes. */
struct ipc_entry {
    void *object;   /* struct port or struct pset, NULL when free */
    uint8_t rights; /* IPC_RIGHT_* */
    uint8_t gen;    /* generation, part of the name */
    uint16_t reserved;
    uint32_t send_refs; /* user references of the send right */
    uint32_t so_seq;    /* send-once right: the reply sequence it answers */
    uint32_t next;      /* free list, or reverse-lookup hash chain */
    uint32_t reserved2[2];
};
_Static_assert(sizeof(struct ipc_entry) == 32, "ipc_entry: 128 per page");

#define IPC_SPACE_MAX_NAMES 4096u
#define IPC_ENTRIES_PER_PAGE 128u
#define IPC_HASH_BUCKETS 256u

/*
 * Entries live in pages allocated as the space grows (no large allocations)
 * and given back, last page first, as it empties out.
 */
struct ipc_space {
    struct ipc_entry *pages[IPC_SPACE_MAX_NAMES / IPC_ENTRIES_PER_PAGE];
    uint16_t page_used[IPC_SPACE_MAX_NAMES / IPC_ENTRIES_PER_PAGE]; /* names in use per page */
    uint8_t page_gen[IPC_SPACE_MAX_NAMES / IPC_ENTRIES_PER_PAGE];   /* a regrown page's first gen */
    uint32_t size; /* entries available (pages * IPC_ENTRIES_PER_PAGE) */
    uint32_t used;
    uint32_t free_head; /* index, 0 = none (entry 0 is never used) */
    uint32_t *hash;     /* IPC_HASH_BUCKETS chain heads (entry indexes) */
    /* Dead-name requests this task made (on any port), charged to it: at most
     * IPC_DEAD_NAME_REQUESTS_MAX; struct dead_name_request.owner_link. */
    struct list_node dead_name_requests;
    uint32_t dead_name_count;
    uint32_t acct; /* the account its pages are charged to: its task's */
};

/* --- name spaces (ipc_space.c) --- */
int ipc_space_init(struct ipc_space *space);
/* Release every right in @space (receive rights kill their ports) and free it. */
void ipc_space_destroy(struct ipc_space *space);
#define IPC_NAME_INDEX(name) ((name) >> 8)
#define IPC_NAME_GEN(name) ((name)&0xff)

static inline struct ipc_entry *ipc_entry_at(const struct ipc_space *space, uint32_t index)
{
    return &space->pages[index / IPC_ENTRIES_PER_PAGE][index % IPC_ENTRIES_PER_PAGE];
}

/* The entry @name denotes, or NULL for an invalid or stale name. On every IPC: inline. */
static inline struct ipc_entry *ipc_entry_lookup(struct ipc_space *space, port_name_t name)
{
    uint32_t index = IPC_NAME_INDEX(name);

    if (index == 0 || index >= space->size)
        return NULL;
    struct ipc_entry *e = ipc_entry_at(space, index);
    return (e->object || e->rights) && e->gen == IPC_NAME_GEN(name) ? e : NULL;
}
/* The entry holding send/receive rights for @port, or NULL. */
struct ipc_entry *ipc_entry_find_port(struct ipc_space *space, struct port *port);
/* Take a free entry; returns its name in *@name or NULL when the space is full. */
struct ipc_entry *ipc_entry_alloc(struct ipc_space *space, port_name_t *name);
/* Give back an entry that holds no right. */
void ipc_entry_free(struct ipc_space *space, port_name_t name);
/* Register/unregister @entry (at @name) for reverse lookup of its port. */
void ipc_entry_hash(struct ipc_space *space, port_name_t name);
void ipc_entry_unhash(struct ipc_space *space, port_name_t name);
uint32_t ipc_space_free_names(const struct ipc_space *space);
/*
 * Check @space (the name space of @task) for kernel_check: its counts, free
 * list and reverse hash, and each entry's rights against its port (a
 * receive right's port names @task as its receiver). Adds each name's
 * references to its port's audit_* counts. NULL, or what is broken.
 */
const char *ipc_space_check(struct ipc_space *space, struct task *task);
/* Make sure @n entries can be allocated without failing: 0, -ERR_NOSPACE or -ERR_NOMEM. */
int ipc_space_reserve_slow(struct ipc_space *space, uint32_t n);
static inline int ipc_space_reserve(struct ipc_space *space, uint32_t n)
{
    return n == 0 || (n == 1 && space->free_head) ? 0 : ipc_space_reserve_slow(space, n);
}
port_name_t ipc_entry_name(const struct ipc_space *space, const struct ipc_entry *entry);

/* --- ports and sets (port.c) --- */
struct port *port_create(void);
static inline void port_ref(struct port *port)
{
    KASSERT(port->refs > 0);
    port->refs++;
}
/* The last reference went: free the port (its queue is empty, it is in no set). */
void port_free(struct port *port);
/*
 * @task (NULL: nobody, in transit or dead) now holds @port's receive right
 * under @name; the port is charged to its account (the kernel's for NULL).
 */
void port_set_receiver(struct port *port, struct task *task, port_name_t name);
static inline void port_unref(struct port *port)
{
    KASSERT(port->refs > 0);
    if (--port->refs == 0)
        port_free(port);
}
struct pset *pset_create(void);
void pset_unref(struct pset *set);
/* The receive right is gone: fail blocked threads, destroy queued messages. */
void port_kill(struct port *port);
/* Drop one send-once right to @port without using it (wakes a waiting caller). */
void port_send_once_dead(struct port *port, uint32_t seq);
void port_release_send(struct port *port);
/* Move @port into @set (or out of any set with NULL). */
void port_set_membership(struct port *port, struct pset *set);
/* Queue @msg on @port (room was checked) and wake a receiver. */
void port_enqueue(struct port *port, struct kmsg *msg);
/* The first queued message, without removing it; for a set the first ready member. */
struct kmsg *port_peek(struct port *port);
struct kmsg *pset_peek(struct pset *set, struct port **from);
void port_dequeue(struct port *port, struct kmsg *msg);
/* Waiting receivers of @port directly or through its set. */
struct wait_queue *port_receivers(struct port *port);

/* The wake result of a receiver whose sender wrote the message into its registers. */
#define IPC_WAKE_DIRECT 1

/* --- messages and system calls (ipc.c) --- */
/* A zeroed message with room for descriptors when @with_desc. NULL when out of memory. */
struct kmsg *ipc_kmsg_alloc(bool with_desc);
/* Free a message that holds no rights and no pages any more. */
void ipc_kmsg_free(struct kmsg *m);
/* Dead-name requests one task may hold at once, whatever ports they watch. */
#define IPC_DEAD_NAME_REQUESTS_MAX 64u
/*
 * @port died (ipc_notify.c): send the dead-name notifications requested for
 * it, and drop the requests that would have told it about another port.
 */
void ipc_port_notify_dead_names(struct port *port);
/* @space is going: drop every dead-name request its task made (ipc_notify.c). */
void ipc_space_drop_dead_name_requests(struct ipc_space *space);
/*
 * PORT_OP_REQUEST_DEAD_NAME (ipc_notify.c): when the port @self's send right
 * @name denotes dies, send a dead-name message to the port @notify names (a
 * send right is copied or made from it). The request is @self's: it goes when
 * @self ends or the notify port dies, and counts against @self's
 * IPC_DEAD_NAME_REQUESTS_MAX (-ERR_LIMIT). 0 or -ERR_*.
 */
int64_t ipc_port_request_dead_name(struct task *self, port_name_t name, port_name_t notify);
void ipc_kmsg_destroy(struct kmsg *msg);
/* The reply port of @t (made on first use): 0, or -ERR_NOMEM. */
int ipc_reply_port_make(struct thread *t, struct port **out);
static inline int ipc_reply_port(struct thread *t, struct port **out)
{
    if (!t->reply_port)
        return ipc_reply_port_make(t, out);
    *out = t->reply_port;
    return 0;
}
/* A send-once right to reply port @rp for a new call (the previous call's replies go stale). */
struct kright ipc_reply_right(struct port *rp);
/*
 * Give the send-once right in @t's reply slot (IPC_REPLY_SLOT) a name in
 * its task and empty the slot: the name, -ERR_NAME for an empty slot or
 * -ERR_NOSPACE.
 */
int64_t ipc_reply_slot_save(struct thread *t);
/* Drop the right in @t's reply slot, if any, unused: its caller gets -ERR_DEAD. */
void ipc_reply_slot_drop(struct thread *t);
/* The thread is ending: kill its reply port, destroy a message it was still building. */
void ipc_thread_cleanup(struct thread *t);

#endif
