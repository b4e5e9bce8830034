/*
 * Memory objects: what a region of an address map maps, at an offset. An
 * object holds its resident pages (found through a global hash on object and
 * offset with a bucket per frame, so a lookup never scans) and says who supplies missing ones: the
 * in-kernel pager (zero fill, or a copy of an executable image), or an
 * external pager reached over IPC. Objects are reference counted; the last
 * reference frees every page and tells the pager.
 */
#ifndef KERNEL_VM_OBJECT_H
#define KERNEL_VM_OBJECT_H

#include <lib/list.h>
#include <mmu.h>
#include <stdbool.h>
#include <stdint.h>
#include <task/sched.h>
#include <vm/vm_seq.h>

struct vm_object;
struct vm_page;

/*
 * What a kind of memory object does where kinds differ (after HelenOS's
 * mem_backend_t): a new kind of object is a new table, not a new case in
 * the fault path, pageout and teardown. Three tables exist: the in-kernel
 * pager (vm_kernel_pager.c: zero fill, bytes of an image, a store for
 * pageout), external pagers (vm/pager/: data_request, data_return) and
 * device memory (vm_object.c: a fixed physical range, uncached).
 */
struct vm_pager_ops {
    const char *name;
    uint32_t abi_kind; /* VM_REGION_PAGER_*: what region listings show */
    /*
     * Make the page at @offset resident for @access; *@page is the page
     * lookup found (or NULL) on entry, the resident page on VM_FAULT_OK,
     * which is returned only without waiting (nothing else ran meanwhile).
     * VM_FAULT_RETRY or _RETRY_TIMEOUT after a wait (the caller looks
     * everything up again, @timed_out set after a timeout), or an error.
     */
    int (*fault)(struct vm_object *obj, uint64_t offset, unsigned access, bool timed_out,
                 struct vm_page **page);
    /*
     * Pageout took resident page @p's mappings: keep (@back: it is modified,
     * @dirty, or precious) or drop it. Returns 1 (kept by the pager), 0
     * (dropped) or -ERR_*.
     */
    int (*page_out)(struct vm_object *obj, struct vm_page *p, bool back, bool dirty);
    /* The last reference went: tell whoever serves the object (may be NULL). */
    void (*terminate)(struct vm_object *obj);
    /*
     * Device memory: the physical address of @offset, mapped uncached with no
     * page or frame (NULL for objects made of pages).
     */
    paddr_t (*phys)(const struct vm_object *obj, uint64_t offset);
    /* Pageout may hand it modified pages and let their frames go. */
    bool takes_writebacks;
};

#define VM_PAGE_BUSY 0x1u         /* being filled: faulting threads wait on it */
#define VM_PAGE_WRITE_LOCK 0x2u   /* supplied read-only: a write needs the pager's grant */
#define VM_PAGE_WRITE_WANTED 0x4u /* a write request for it is with the pager */
#define VM_PAGE_DIRTY 0x8u        /* modified since its pager last had a copy (M bits kept) */
#define VM_PAGE_PRECIOUS 0x10u    /* no other copy exists: never dropped, even when clean */
#define VM_PAGE_HANDED 0x20u      /* busy: given to the new pager of a move (vm_pager_migrate.c) */

struct vm_page {
    struct vm_page *hash_next;
    struct list_node obj_link; /* in object->pages */
    struct vm_object *object;
    uint64_t offset;           /* bytes, page aligned */
    paddr_t frame;             /* 0 while busy, or while only the store holds it */
    paddr_t stored;            /* in-kernel pager: its store's copy (pageout), or 0 */
    uint32_t flags;            /* VM_PAGE_* */
    uint64_t supplied_at;      /* cycles when the pager's answer filled it (fault traces) */
    struct wait_queue waiters; /* threads waiting for a busy page */
};

struct vm_object {
    uint32_t refs;
    uint32_t acct; /* the account charged with it and its resident frames */
    const struct vm_pager_ops *ops;
    uint64_t size;     /* bytes, page aligned */
    uint64_t resident; /* pages with a frame */
    uint64_t npages;   /* pages on the list: resident, busy or only stored */
    struct list_node pages;
    paddr_t device_base;  /* device memory: physical address of offset 0 */
    const uint8_t *image; /* in-kernel pager: initial contents, or NULL */
    uint64_t image_len;
    struct list_node mappings;  /* regions mapping it: struct vm_region.obj_link */
    bool wired;                 /* mapped by a wired map: its pages are never evicted */
    uint64_t stored_only;       /* in-kernel pager: pages only its store holds (no frame) */
    uint64_t returned;          /* external pagers: pages sent back with data_return */
    struct list_node returning; /* data_returns not yet received (kmsg.watch_link) */
    /* external pagers */
    uint64_t id;                 /* the object's name in pager messages */
    struct port *pager;          /* a send right to the pager's port */
    struct port *control;        /* kernel object port the pager answers on */
    bool pager_dead;             /* faults on missing pages fail at once */
    bool acct_paged;             /* counted in its account's ACCT_OBJ_PAGED */
    bool init_pending;           /* counted in pager->pager_inits */
    struct list_node pager_link; /* in pager->pager_objects */
    uint8_t migrate;             /* VM_MIGRATE_*: moving to another pager */
    struct port *adopt_control;  /* migrating: the control port the new pager answers on */
    bool evac_deferred;          /* evacuating: the next batch waits for free memory */
    uint32_t evac_forwarded;     /* evacuating: pages passed on to the new pager */
    uint64_t pager_attributes;   /* what ready said (MEMORY_OBJECT_READY_*, <abi/pager.h>) */
    struct vm_seq seq;           /* sequential faults: the window of the next request */
    uint64_t asked;              /* the last request's range, [asked, asked_end): */
    uint64_t asked_end;          /* answers in it are accepted page by page */
};

/* Where an external object is in a move to another pager (vm_pager_migrate.c). */
enum vm_migrate_state {
    VM_MIGRATE_NONE,       /* served by obj->pager */
    VM_MIGRATE_ADOPTING,   /* the new pager has init, its ready is awaited */
    VM_MIGRATE_EVACUATING, /* the old pager hands its pages back; faults wait */
};

/*
 * Create an object of @size bytes served by the in-kernel pager: reads of
 * missing pages return the bytes of @image (up to @image_len) then zeros.
 * Returns 0 and one reference in *@out, or -ERR_NOMEM.
 */
int vm_object_create_kernel(uint64_t size, const uint8_t *image, uint64_t image_len,
                            struct vm_object **out);
/*
 * Create an object for the device memory [@base, @base + @size): mapped
 * uncached, never paged. Returns 0 and one reference in *@out, or -ERR_NOMEM.
 */
int vm_object_create_device(paddr_t base, uint64_t size, struct vm_object **out);
/* Is @obj device memory (no pages, no frames)? */
static inline bool vm_object_is_device(const struct vm_object *obj)
{
    return obj->ops->phys != NULL;
}
void vm_object_ref(struct vm_object *obj);
/* Drop a reference; the last one frees every page and the object. */
void vm_object_unref(struct vm_object *obj);

/*
 * Check @obj for kernel_check: each of its pages is in the hash, inside the
 * object and the owner of its frame, its resident and store-only counts are
 * exact, and each region mapping it maps it and holds one of its
 * references. NULL, or what is broken.
 */
const char *vm_object_check(struct vm_object *obj);
/* A user frame's owner, if any, is a page whose frame it is. NULL, or what is broken. */
const char *vm_page_frame_check(paddr_t frame);
/* Charge @obj, which has no resident page yet, to account @slot. */
void vm_object_charge(struct vm_object *obj, uint32_t slot);

/* Wire @obj: its resident pages stop being pageout candidates, and so do later ones. */
void vm_object_wire(struct vm_object *obj);

/*
 * Call @fn for every page (resident, busy or only stored) of @obj in
 * [@offset, @offset + @count), stopping at the first non-zero result, which
 * it returns (else 0). The work is the smaller of the range and the object's
 * page list, never the range alone: a pager's lock_request over a huge
 * object with a few pages costs a few steps. @fn may remove the page it is
 * given, no other, and must not block.
 */
int vm_object_range_walk(struct vm_object *obj, uint64_t offset, uint64_t count,
                         int (*fn)(struct vm_object *obj, struct vm_page *p, void *ctx), void *ctx);
/*
 * The same for the next @steps pages of @obj's list only (fewer when it is
 * shorter): each is moved to the end of the list as it is looked at, so
 * that calls in turn, with anything happening between them, go round the
 * list once in npages steps. For long walks with preemption points between
 * the calls, which hold nothing across them.
 */
int vm_object_range_walk_some(struct vm_object *obj, uint64_t offset, uint64_t count,
                              uint64_t steps,
                              int (*fn)(struct vm_object *obj, struct vm_page *p, void *ctx),
                              void *ctx);
/*
 * Size the page hash for a machine of @frames frames: the smallest power of
 * two of buckets >= @frames, in adjacent frames of its own (fewer if memory
 * has no such run), replacing the few buckets used before. Once at boot,
 * before any page exists. Returns the number of buckets.
 */
uint64_t vm_object_hash_init(uint64_t frames);
/* The page at @offset, resident or busy, or NULL. O(1). */
struct vm_page *vm_object_page_lookup(struct vm_object *obj, uint64_t offset);
/* Enter a page for @offset (which has none) with @frame (0: busy). NULL when out of memory. */
struct vm_page *vm_object_page_insert(struct vm_object *obj, uint64_t offset, paddr_t frame);
/* Remove @page from its object and return its frame (0 if it had none); a store copy is freed. */
paddr_t vm_object_page_remove(struct vm_page *page);
/*
 * Give page @p, which has no frame, the frame @frame: it becomes resident,
 * the frame's owner, and a candidate for pageout.
 */
void vm_page_set_frame(struct vm_page *p, paddr_t frame);
/* Take the frame away from resident page @p, which stays in its object; returns the frame. */
paddr_t vm_page_take_frame(struct vm_page *p);
/*
 * R and M (MMU_BIT_*) of page @offset of @obj, OR'ed over every mapping of
 * it; @clear resets them in the page tables, @unmap removes the mappings. An
 * M bit seen is kept in the page's VM_PAGE_DIRTY, so clearing never loses it.
 */
unsigned vm_object_page_bits(struct vm_object *obj, uint64_t offset, bool clear, bool unmap);
/* Give every mapping of page @offset of @obj its region's protection, without write unless
 * @write_ok. */
void vm_object_page_protect(struct vm_object *obj, uint64_t offset, bool write_ok);
/* Must resident page @p be written back before its frame can go (modified or precious)? */
bool vm_page_needs_writeback(struct vm_page *p);
/* The in-kernel pager's operations (vm_kernel_pager.c). */
extern const struct vm_pager_ops vm_kernel_pager_ops;
/* An object of @size bytes with @ops and one reference; NULL when out of memory. */
struct vm_object *vm_object_alloc(const struct vm_pager_ops *ops, uint64_t size);
/* Objects made since boot, and those that exist now (struct kern_stat). */
extern uint64_t vm_objects_created, vm_objects_live;

/* --- external pagers (vm/pager/) --- */
struct kmsg;
struct kright;
struct memory_object_control_kreply;
struct task;

/* External pagers' operations (vm/pager/vm_pager_object.c). */
extern const struct vm_pager_ops vm_external_pager_ops;
extern uint64_t vm_pager_timeout_ns;  /* how long a fault waits for a pager */
extern bool vm_default_pager_enabled; /* pager=kernel on the command line turns it off */

/*
 * Create an object of @size bytes served by the pager whose port @pager (a
 * send right, consumed on success) names, charged to account @acct, and send
 * it memory_object init (which names the account's task: the pager charges
 * what it stores for the object to it).
 * Returns 0 and one reference in *@out, or -ERR_NOMEM / -ERR_DEAD, or
 * -ERR_LIMIT when account @acct already holds VM_PAGED_OBJECTS_MAX
 * such objects or the pager's name table has no room for the object's
 * control right (each object costs its pager a name: one task must not be
 * able to fill the table of a pager that serves others).
 */
#define VM_PAGER_NAMES_SPARE 64u /* names a pager keeps free for everything else */
int vm_object_create_external(struct kright *pager, uint64_t size, uint32_t acct,
                              struct vm_object **out);
/* A zero-fill object for @task: served by the default pager if one is set and may serve it. */
int vm_object_create_anonymous(struct task *task, uint64_t size, bool kernel_pager,
                               struct vm_object **out);
/*
 * Make the send right @pager (consumed) the default pager. Returns the send
 * right the kernel held for the previous one, now the caller's; port NULL
 * when there was none or its port has died (that right is released).
 */
struct kright vm_pager_set_default(struct kright *pager);
/*
 * Resolve @offset of external object @obj for @access, blocking the current
 * thread on a busy page (one data_request per page whatever the number of
 * waiters). VM_FAULT_OK with the resident page in *@out, VM_FAULT_RETRY or
 * VM_FAULT_RETRY_TIMEOUT after a wait (look everything up again; with
 * @timed_out set on that second call the page is failed if still waiting),
 * or an error.
 */
int vm_pager_fault(struct vm_object *obj, uint64_t offset, unsigned access, bool timed_out,
                   struct vm_page **out);

/*
 * Push page @offset of @obj out of memory now (the mechanism pageout uses):
 * its mappings go; a modified or precious page goes to its pager (an
 * external pager gets it with data_return, its frame in the laundry until
 * the message is delivered; the in-kernel pager keeps it in its store), an
 * unmodified one is dropped. Returns 0 (dropped), 1 (written back),
 * -ERR_BUSY (busy, pinned, or waited on), -ERR_NOENT (not resident) or
 * -ERR_NOMEM.
 */
int vm_object_pageout(struct vm_object *obj, uint64_t offset);
/*
 * Modified pages that vm_object_pageout sends one after the other, of one
 * object and at consecutive offsets, are gathered into one data_return (at
 * most VM_RETURN_GATHER_MAX pages), and the shootdowns their unmaps owe
 * other CPUs into one batch (mmu.h), with the frames of clean pages dropped
 * meanwhile: send the shootdowns, then free those frames and send what is
 * gathered. A caller of
 * vm_object_pageout calls this before anything else may run (a preemption
 * point, a wait) and when it is done: until then its pages are in no object
 * and in no message. A fault on such an object sends it first as well.
 */
#define VM_RETURN_GATHER_MAX 16u
void vm_object_pageout_flush(void);
/*
 * For a page_out: free the frame of a page vm_object_pageout took (once
 * the shootdowns its unmap owes are sent). A page_out must not reuse such a
 * frame otherwise, nor copy it, before vm_object_pageout_flush.
 */
void vm_object_pageout_free(paddr_t frame);

/*
 * A message to an object's control port (memory_object_control.idl), handled
 * at once in the sender's context. Returns the code of the answer, which goes
 * with its data to *@out (the generated reply layout of
 * <memory_object_control_kserver.h>; NULL: the caller takes no answer, and
 * query_bits is refused).
 */
int vm_pager_control(struct vm_object *obj, struct kmsg *m,
                     struct memory_object_control_kreply *out);
/* A new send right to external object @obj's pager port (the caller releases it). */
struct kright vm_pager_object_right(struct vm_object *obj);
/* The id of the task that receives external object @obj's pager messages, or 0 (none, dead). */
uint32_t vm_pager_object_server(const struct vm_object *obj);
/* Has the pager of external object @obj said recently that its store is full? */
bool vm_pager_store_full(struct vm_object *obj);
/*
 * Frame quotas (vm_pager_quota.c): @access for a data_request of @obj,
 * marked MEMORY_OBJECT_ACCESS_OVER_QUOTA when its pager's objects hold their
 * quota; and a page of @obj got a frame (the quota's peak).
 */
unsigned vm_pager_quota_access(struct vm_object *obj, unsigned access);
void vm_pager_quota_filled(struct vm_object *obj);
/*
 * The task that takes @obj's modified pages: the holder of the receive
 * right of its pager port, or of the new pager's while it is evacuated to
 * another pager (NULL: none, the right is in transit, or @obj is not
 * external), and the messages queued on that port in *@queued.
 */
struct task *vm_pager_task(struct vm_object *obj, uint32_t *queued);
/* The last reference went: tell the pager, close the control port. */
void vm_pager_object_terminate(struct vm_object *obj);
/*
 * The port @pager of a pager died: its standby adopts its objects if one was
 * set (vm_pager_standby_set), else their outstanding and future faults fail.
 */
void vm_pager_port_died(struct port *pager);

/*
 * Start moving every live object served by @old to @new (send rights, both
 * consumed on success), or only @only when it is not NULL (an object @old
 * serves): each gets a control port for @new, which gets init. Only one
 * migration runs at a time; one past its deadline whose caller is gone
 * expires first. Returns the number of objects started (0: none, the rights
 * are consumed all the same) or -ERR_BUSY, -ERR_INVAL (@old is @new),
 * -ERR_DEAD (@new died), -ERR_NOMEM, with nothing changed. The migration
 * then runs by itself: it ends when every object has moved or stayed; at
 * its deadline (the pager timeout after its last step) what can stay does.
 */
int vm_pager_migrate_start(struct kright *old, struct kright *new, struct vm_object *only);
/*
 * Block the current thread until the migration it just started ends (at
 * its deadline, it expires it: objects that can stay with the old pager
 * without a loss do; one whose pages already went on to the new pager keeps
 * moving). Returns the count of objects moved, or -ERR_TIMEOUT when some
 * stayed with the old pager.
 */
int vm_pager_migrate_wait(void);
/*
 * Expire the running migration now, if one runs. Returns the result of the
 * last migration that ended, or -ERR_BUSY while objects whose pages went on
 * to the new pager still move.
 */
int vm_pager_migrate_finish(void);
/*
 * Pageout's step for a running migration: evacuations that wait for free
 * memory go on once it is at the low watermark (until then no deadline
 * runs), and an overdue migration whose caller is gone expires. Called by
 * the pageout thread on every round. Returns true while batches still wait
 * for memory (pageout must come back: it never blocks for good then).
 */
bool vm_pager_migrate_resume(void);
/*
 * A batch of an evacuation waits for free memory: pageout must run
 * vm_pager_migrate_resume when free frames rise back to the low watermark,
 * not only when they fall below it.
 */
bool vm_pager_migrate_wants_room(void);
/* Print the running migration's state, lines starting with @prefix. */
void vm_pager_migrate_report(const char *prefix);
/*
 * What blocked thread @t waits for, for a report (thread_report): frames,
 * a message on pager port @pp (NULL: none in question), its exception
 * handler, or "" when it cannot tell.
 */
const char *vm_thread_waits_for(const struct thread *t, const struct port *pp);
/* Stop moving @obj (it dies, or its old pager did): it stays with its pager. */
void vm_pager_migrate_abort(struct vm_object *obj);
/*
 * Failover: when @pager's port dies, @standby (send rights, both consumed
 * on success) adopts its objects; @standby port NULL removes the standby.
 * Returns 0, -ERR_INVAL (@standby is @pager), -ERR_DEAD or -ERR_LIMIT.
 */
int vm_pager_standby_set(struct kright *pager, struct kright *standby);
/*
 * @pager died: if it had a live standby, move every object of @pager to it
 * and return true; false (nothing done) otherwise.
 */
bool vm_pager_failover(struct port *pager);

#endif
