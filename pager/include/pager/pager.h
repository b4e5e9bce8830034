/*
 * The pager framework: what every external pager needs, written once. It
 * receives the kernel's memory_object messages (memory_object.idl) on one
 * port or port set, in one or several threads, keeps a table of the objects
 * it serves with a page store each, and calls the concrete pager's
 * callbacks; helpers answer through the object's control port
 * (memory_object_control.idl). docs/pager.md describes the protocol.
 */
#ifndef PAGER_PAGER_H
#define PAGER_PAGER_H

#include <abi/ipc.h>
#include <abi/page.h>
#include <abi/pager.h>
#include <ipc/ipc.h>
#include <pager/pager_mem.h>
#include <pager/pager_owner.h>
#include <pager/pager_store.h>
#include <pager/pager_table.h>
#include <stdint.h>

#define PAGER_SUPPLY_READ_ONLY 1u /* data_supply flag: map read-only */
#define PAGER_SUPPLY_PRECIOUS 2u  /* data_supply flag: no copy kept, return it even if clean */
/* data_supply flag: pages nobody asked for, taken while the object's last
 * request waits (a pager that said MEMORY_OBJECT_READY_CLUSTER, docs/pager.md) */
#define PAGER_SUPPLY_PREFETCH 4u
/* data_supply flag: also map the pages where the object is mapped, so that
 * they do not fault one by one (prepaging a working set) */
#define PAGER_SUPPLY_MAP 8u
#define PAGER_THREADS_MAX 16u
/* Messages several serving threads queue on busy objects at most (pager/lib/pager_order.h). */
#define PAGER_PENDING_MAX 16u
#define PAGER_MEM_DEFAULT_RESERVE (2ul << 20)
#define PAGER_MEM_LOW (64ul << 10) /* below this left before an init, the arenas grow */
#define PAGER_MEM_GROW (1ul << 20) /* by this much, touched at once (pager_mem_top_up) */
#define PAGER_NAME_MAX 32u         /* bytes of a pager's name, with its NUL (pager_stats.idl) */

struct pager;

/* The figures of a pager's backing store (pager_stats.idl); all 0 without one. */
struct pager_store_stats {
    uint64_t disk;          /* 1 when it pages to a disk */
    uint64_t blocks, used;  /* the disk's blocks, those in use */
    uint64_t writes, reads; /* blocks written and read since boot */
    uint64_t kept;          /* returned pages kept in memory because the disk was full */
    uint64_t stored;        /* pages on the store */
    /* 1 when the store charges its blocks to the objects' owners (pager_owner_blocks): then
     * pager_stats owner reports them */
    uint64_t owner_blocks;
    /* A compressed pool (pager_stats pool): its bytes in use and in all, the
     * pages in it and their size before compression, pages supplied from it,
     * zero pages returned, pages that did not compress, pages moved to disk. */
    uint64_t pool_bytes, pool_capacity, pool_pages, pool_original;
    uint64_t pool_hits, pool_zero, pool_rejected, pool_evicted;
    /* A pager-side replacement policy (pager_stats policy): the quota, the
     * kernel's resident, peak and over-quota counts, victims flushed and
     * vetoed, aging rounds. */
    uint64_t policy_quota, policy_resident, policy_peak, policy_signals;
    uint64_t policy_evictions, policy_vetoes, policy_rounds;
};

/*
 * What a concrete pager implements. Every callback runs with the object's
 * lock held, so the callbacks of one object never overlap; callbacks of
 * different objects may run at once when the pager serves with several
 * threads. A NULL callback gets the default described at each.
 */
struct pager_ops {
    /* A new object: set obj->data if needed. Non-zero refuses it. Default: accept. */
    int (*on_init)(struct pager *pager, struct pager_object *obj);
    /*
     * The kernel needs [@offset, @offset + @count) for @access (1 read, 2
     * write, 3 execute): answer with pager_data_supply/pager_supply_fill/
     * pager_pages_supply, pager_data_unavailable or pager_data_error.
     * Default: data_unavailable for the whole range.
     */
    void (*on_data_request)(struct pager *pager, struct pager_object *obj, uint64_t offset,
                            uint64_t count, unsigned access);
    /*
     * Pageout: @size bytes of pages from @offset now mapped at @pages in this
     * task, now owned by the pager; bit i of @dirty is set when page i was
     * modified. Default: pager_pages_keep (keep them in obj->store).
     */
    void (*on_data_return)(struct pager *pager, struct pager_object *obj, uint64_t offset,
                           uint64_t dirty, void *pages, uint64_t size);
    /*
     * The object is gone; release obj->data. The framework then frees the
     * pages still in obj->store and the object itself. Default: nothing.
     */
    void (*on_terminate)(struct pager *pager, struct pager_object *obj);
    /*
     * The object moves to another pager: hand at most @count of the pages
     * held back with pager_data_supply (pager_pages_evacuate for the RAM
     * store; the kernel passes them on to the new pager, and refuses with
     * -ERR_BUSY a page it has resident, which is then no loss). Return
     * EVACUATE_DONE (<abi/pager.h>) when all went, EVACUATE_MORE when more
     * are held (another evacuate follows once memory allows), anything
     * else to refuse the move (the object stays with this pager; only
     * before a page went). @first: the first batch of this move (a move
     * that failed may have taken some). Default: pager_pages_evacuate.
     */
    int (*on_evacuate)(struct pager *pager, struct pager_object *obj, uint64_t count, bool first);
    /*
     * A message of another interface (neither memory_object nor pager_stats,
     * which the framework answers) arrived on the pager's port: dispatch
     * it and return true with an answer in @out to send, false for none.
     * Default (NULL): refused with -ERR_NOSYS.
     */
    bool (*on_message)(struct pager *pager, struct ipc_message *in, struct ipc_message *out);
    /*
     * pager_stats get (and pool, policy) ask for the figures of the pager's backing store:
     * fill @out (zeroed before). Runs without any object lock. Default
     * (NULL): no store, all 0.
     */
    void (*on_store_stats)(struct pager *pager, struct pager_store_stats *out);
};

struct pager {
    port_name_t port; /* where the kernel's messages arrive (a port or a port set) */
    const struct pager_ops *ops;
    void *data; /* the concrete pager's state */
    struct pager_table table;
    pager_spin_t table_lock;
    char name[PAGER_NAME_MAX]; /* as registered (pager_register), "pager" until then */
    /* Counters (atomic) that pager_stats get reports: data_request messages,
     * pages supplied, pages unavailable, pages returned (once taken), data_error
     * answers, pages held in the RAM stores of the objects. */
    uint64_t requests, supplies, unavailable, returns, errors, resident;
    /* memory_object messages a task sent (no IPC_TAG_KERNEL): dropped unread (pager_stats forged)
     */
    uint64_t forged;
    /*
     * One serving thread only: a data_unavailable answer is built in *spare
     * and sent with the next receive (one system call, IPC_SEND | IPC_RECV);
     * errors of such an answer are logged by the loop, not returned.
     */
    bool single_thread;
    /*
     * Several serving threads (pager_threads_start): each message of the
     * port waits for @turn to reach its sequence number before it takes
     * its object's lock, so one object's messages are handled in the
     * order the kernel sent them (pager/lib/pager_order.h). @threads: the
     * serving threads started besides the caller of pager_serve.
     */
    bool ordered;
    uint32_t turn;
    unsigned threads;
    unsigned pending; /* messages queued on busy objects, at most PAGER_PENDING_MAX */
    /* Where serving thread i (0: pager_serve's caller) blocks when it waits for its turn or
     * for room, after a short spin: a port of its own, a wake-up a message (pager_order.c);
     * bit i of @gate_waiting: it may block there now. @thread_next: the next thread's i. */
    port_name_t gates[PAGER_THREADS_MAX];
    uint32_t gate_waiting;
    unsigned thread_next;
    /* pager_threads_per_cpu: the CPUs its threads take one each, and the next to take. */
    uint32_t spread;
    unsigned spread_next;
    /* What pager_ready tells the kernel: MEMORY_OBJECT_READY_* (<abi/pager.h>), 0 by default. */
    uint64_t ready_attributes;
    bool names_full_said; /* the loop said its name table was full */
    /*
     * Work a store put off until no message waits (the default pager's
     * swap writes gathered into one disk request): while @idle_work is set,
     * the loop polls its port and calls @on_idle(pager) once it finds it
     * empty, then waits as usual. One serving thread only.
     */
    void (*on_idle)(struct pager *pager);
    bool idle_work;
    struct ipc_message *spare, *answer;
    struct ipc_message bufs[2];
    /* The owners of its objects (struct pager_owner by task id, pager/lib/owner.c) and the
     * pager_stats owner requests waiting for one to have no object left. */
    struct hash_table owners;
    pager_spin_t owners_lock;
    struct pager_owner_wait waits[PAGER_OWNER_WAITS];
    unsigned nwaits;
};

/*
 * Set up @pager with callbacks @ops and state @data, receiving on @port, or
 * on a fresh port (receive right plus one send right) when @port is
 * PORT_NULL. When no arena was given to pager_mem_add yet, reserves one of
 * PAGER_MEM_DEFAULT_RESERVE bytes (demand paged). Returns 0 or -ERR_*.
 */
int pager_init(struct pager *pager, const struct pager_ops *ops, void *data, port_name_t port);

/*
 * Called before each memory_object init: when fewer than PAGER_MEM_LOW bytes
 * are left in the arenas, add one of PAGER_MEM_GROW bytes, every page touched
 * now (no fault later while a lock is held). The bookkeeping of an object
 * (about 1 KiB with a swap map) then fails only past the allocator's eight
 * arenas. Returns 0 or -ERR_*.
 */
int pager_mem_top_up(void);

/*
 * Allocate an arena of @size bytes, touch every page now (nothing in it
 * faults later, while the pager serves) and give it to the allocator
 * (pager_mem_add). Returns 0 or -ERR_*.
 */
int pager_mem_add_touched(size_t size);

/*
 * Register @pager's port with the name service (the bootstrap port) under
 * @name, which pager_stats get reports from now on (cut to PAGER_NAME_MAX -
 * 1 characters). Returns 0 or -ERR_*.
 */
int pager_register(struct pager *pager, const char *name);

/*
 * Start @count more threads serving @pager's port (each with its own stack,
 * allocated now: a default pager starts them before it registers). From
 * then on the port's messages take turns: each object's messages are
 * handled in the order the kernel sent them, different objects' at once
 * (pager/lib/pager_order.h; the order counts from the port's first
 * message, so threads serve only a port pager_init made, or one nobody
 * received from before). At most PAGER_THREADS_MAX - 1 in all. Returns 0
 * or -ERR_*.
 */
int pager_threads_start(struct pager *pager, unsigned count);

/*
 * One serving thread kept to each CPU that runs threads (at most
 * PAGER_THREADS_MAX): the caller is kept to the first and serves when it
 * calls pager_serve(pager, 1); the threads started here take the others.
 * A fault then finds a pager thread on its own CPU, and the kernel hands
 * the request to that one (no wake-up of another CPU). Nothing on one CPU.
 * Returns 0 or -ERR_*.
 */
int pager_threads_per_cpu(struct pager *pager);

/*
 * "cpu=N" in a pager's arguments (init passes pager_cpu=N on): keep the
 * calling thread on CPU N, and with it the serving threads it starts later
 * (a thread inherits its creator's affinity). Call it first in main.
 * Returns 0 (also without the option), or the error of SYS_THREAD_AFFINITY
 * (-ERR_INVAL: CPU N does not run threads), which the pager reports and
 * serves anyway.
 */
int pager_cpu_from_args(int argc, char **argv);

/*
 * Serve requests forever with @nthreads threads (1..PAGER_THREADS_MAX; the
 * caller is one of them, pager_threads_start starts the others). Returns
 * only when receiving fails for good (the port is gone): -ERR_*.
 */
int pager_serve(struct pager *pager, unsigned nthreads);

/*
 * The object @id with one more reference, or NULL (unknown or terminated).
 * pager_object_release drops the reference; the last one frees the object.
 */
struct pager_object *pager_object_get(struct pager *pager, uint64_t id);
void pager_object_release(struct pager *pager, struct pager_object *obj);

/*
 * Owners (pager/lib/owner.c). pager_owner_enter counts @obj (its owner set
 * from init) with its owner's objects: 0 or -ERR_NOMEM. pager_owner_leave
 * takes it out again once it left the table and its store gave its blocks
 * back, and answers the requests waiting for that owner to have none left.
 */
int pager_owners_init(struct pager *pager);
int pager_owner_enter(struct pager *pager, struct pager_object *obj);
void pager_owner_leave(struct pager *pager, struct pager_object *obj);

/*
 * The count of swap blocks a store keeps for @obj's owner, which it adds to
 * and takes from, under its own lock, as it gives @obj's pages blocks and
 * frees them (swap_map_charge), while the object is in the table; NULL for
 * an object not counted (its init failed).
 */
uint64_t *pager_owner_blocks(struct pager_object *obj);

/* Replies through obj->control. Each returns the kernel's code: 0 or -ERR_*. */

/* Tell the kernel the pager is ready to serve @obj. */
int pager_ready(struct pager_object *obj);

/*
 * Supply the @size bytes of pages at @pages (page aligned, resident in this
 * task) for @offset. The pages are MOVED: they leave this task's address
 * space whatever the answer (the empty region stays; deallocate it).
 * @flags: PAGER_SUPPLY_READ_ONLY, PAGER_SUPPLY_PRECIOUS, or 0.
 */
int pager_data_supply(struct pager_object *obj, uint64_t offset, void *pages, uint64_t size,
                      unsigned flags);

/*
 * The same with the pages COPIED: they stay in this task, so one buffer can
 * serve every answer. Cheaper than moving a buffer that is written again at
 * once (the move leaves its pages to be faulted in afresh and zeroed, then
 * written over; the kernel's copy is one pass over the page). The copy
 * needs fresh frames: under memory pressure it can fail with -ERR_NOMEM
 * (nothing sent), and a pager then supplies by a move, which needs none.
 */
int pager_data_supply_copy(struct pager_object *obj, uint64_t offset, const void *pages,
                           uint64_t size, unsigned flags);

/*
 * Allocate a fresh page-aligned buffer of @size bytes, let @fill(@ctx, buf,
 * @size) write it, supply it for @offset as pager_data_supply does, then
 * release the buffer's region. Returns 0 or -ERR_*.
 */
int pager_supply_fill(struct pager_object *obj, uint64_t offset, uint64_t size, unsigned flags,
                      void (*fill)(void *ctx, void *buf, uint64_t size), void *ctx);

/*
 * The store has no room (@full) or has room again: while full, pageout keeps
 * the modified pages of every object of this pager resident (the report
 * holds about a second; repeat it while still full).
 */
int pager_store_full(struct pager_object *obj, bool full);

/* No data for [@offset, @offset + @count): the kernel zero fills. */
int pager_data_unavailable(struct pager_object *obj, uint64_t offset, uint64_t count);

/* [@offset, @offset + @count) cannot be supplied: the waiting threads get exception @code. */
int pager_data_error(struct pager_object *obj, uint64_t offset, uint64_t count, int64_t code);

/* The RAM page store of an object (pager_pages.c); call with the object's lock held. */

/*
 * Keep the @size bytes of returned pages at @pages (a region this task now
 * owns, as data_return delivers it) in obj->store at @offset onwards, without
 * copying. A page already stored at one of the offsets is replaced and its
 * old copy released. Returns 0, or -ERR_NOMEM (pages that could not be
 * entered are released).
 */
int pager_pages_keep(struct pager_object *obj, uint64_t offset, void *pages, uint64_t size);

/*
 * Move the page stored at @offset to the kernel with data_supply (zero copy);
 * it leaves the store. Returns the kernel's code, or -ERR_NOENT when no page
 * is stored there (nothing is sent).
 */
int pager_pages_supply(struct pager_object *obj, uint64_t offset, unsigned flags);

/*
 * Answer a data_request for [@offset, @offset + @count) from the RAM store:
 * each stored page moves back (precious: the store lets it go), each run
 * of pages never stored is unavailable in one message. Errors are logged.
 */
void pager_pages_request(struct pager_object *obj, uint64_t offset, uint64_t count);

/* pager_pages_request as an on_data_request callback: a pager whose store is the RAM store. */
void pager_pages_on_request(struct pager *pager, struct pager_object *obj, uint64_t offset,
                            uint64_t count, unsigned access);

/*
 * Move at most @count pages of obj->store to the kernel (evacuate): each
 * leaves the store whatever the answer (a page the kernel refused, not
 * having it resident, is lost and logged). Returns EVACUATE_DONE when the
 * store is empty, else EVACUATE_MORE.
 */
int pager_pages_evacuate(struct pager_object *obj, uint64_t count);
/* Release every page in obj->store. */
void pager_pages_free_all(struct pager_object *obj);

#endif
