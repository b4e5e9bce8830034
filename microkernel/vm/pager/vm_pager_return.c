/*
 * Pages going back to their pager: vm_object_pageout, the mechanism pageout
 * and SYS_VM_PAGEOUT use to push one page out of memory, and the
 * data_return message that carries a modified or precious page to an
 * external pager (moved, its frame laundry until delivery, or copied for a
 * clean request). The in-kernel pager keeps such a page in its own store.
 */
#include <abi/errors.h>
#include <ipc/ipc.h>
#include <lib/lib.h>
#include <memory_object_kabi.h>
#include <vm/frame.h>
#include <vm/pager/vm_pager_internal.h>
#include <vm/vm_fault.h>
#include <vm/vm_object.h>

int vm_pager_page_return_to(struct vm_object *obj, struct vm_page *p, bool move, bool dirty,
                            struct port *to)
{
    struct kmsg *m = pager_msg(MEMORY_OBJECT_DATA_RETURN_ID, true);
    paddr_t frame = move ? p->frame : frame_alloc(FRAME_USER, NULL);

    if (!m || !frame) {
        if (m)
            ipc_kmsg_free(m);
        if (frame && !move)
            frame_free(frame);
        return -ERR_NOMEM;
    }
    if (!move)
        memcpy(phys_to_virt(frame), phys_to_virt(p->frame), PAGE_SIZE);
    m->w[MEMORY_OBJECT_DATA_RETURN_OBJECT_SLOT] = obj->id;
    m->w[MEMORY_OBJECT_DATA_RETURN_OFFSET_SLOT] = p->offset;
    m->w[MEMORY_OBJECT_DATA_RETURN_DIRTY_SLOT] = dirty; /* bit 0: page 0 was modified */
    m->ndesc = MEMORY_OBJECT_DATA_RETURN_REQUEST_NDESC;
    struct kdesc *d = &m->desc[MEMORY_OBJECT_DATA_RETURN_PAGES_DESC];
    d->type = IPC_DESC_OOL;
    d->flags = IPC_OOL_MOVE;
    d->npages = 1;
    if (move && to != obj->pager) {
        /* To the new pager of a move: a busy page stays behind, so the old
         * pager's copy is refused and a fault waits for the new one. */
        vm_page_take_frame(p);
        p->flags = VM_PAGE_BUSY | VM_PAGE_HANDED;
        frame_laundry_mark(frame, vm_pager_port_ordinary(to));
    } else if (move) {
        vm_object_page_remove(p);
        frame_laundry_mark(frame, vm_pager_port_ordinary(to));
    }
    m->ool[m->ool_pages++] = frame; /* its owner is NULL: it left the page, or is a fresh copy */
    pager_return_watch(obj, m);
    int err = pager_send_to(to, m);
    if (!err)
        obj->returned++;
    return err;
}

int vm_pager_page_return(struct vm_object *obj, struct vm_page *p, bool move, bool dirty)
{
    return vm_pager_page_return_to(obj, p, move, dirty, obj->pager);
}

/*
 * What vm_object_pageout gathered since the last vm_object_pageout_flush:
 * the data_return being filled, full ones held back, the frames of clean
 * pages dropped, and the shootdowns their unmaps owe other CPUs. Nothing
 * leaves before those shootdowns, sent together (one interrupt per CPU):
 * until then another CPU may still reach one of the frames through its TLB
 * (mmu.h, struct mmu_batch).
 */
#define GATHER_HELD_MAX 8u
static struct {
    struct kmsg *m; /* the data_return being filled, NULL: none */
    struct vm_object *obj;
    uint64_t end; /* the offset after its last page */
    struct {
        struct kmsg *m;
        struct vm_object *obj;
    } held[GATHER_HELD_MAX]; /* full or ended, in the order they were made */
    unsigned nheld;
    paddr_t freed[VM_RETURN_GATHER_MAX]; /* frames to free */
    unsigned nfreed;
    struct mmu_batch tlb;
} gather;

static void gather_send(struct kmsg *m, struct vm_object *obj)
{
    m->desc[MEMORY_OBJECT_DATA_RETURN_PAGES_DESC].npages = m->ool_pages;
    if (pager_send_to(obj->pager, m) == 0) /* (dead: its pages go with it, as one's would) */
        obj->returned += m->ool_pages;
}

void vm_object_pageout_flush(void)
{
    mmu_batch_end(&gather.tlb); /* first: then no CPU reaches the frames */
    while (gather.nfreed > 0)
        frame_free(gather.freed[--gather.nfreed]);
    for (unsigned i = 0; i < gather.nheld; i++)
        gather_send(gather.held[i].m, gather.held[i].obj);
    gather.nheld = 0;
    if (gather.m) {
        struct kmsg *m = gather.m;
        gather.m = NULL;
        gather_send(m, gather.obj);
    }
}

void vm_pager_return_flush_for(struct vm_object *obj)
{
    bool holds = gather.m && gather.obj == obj;

    for (unsigned i = 0; i < gather.nheld && !holds; i++)
        holds = gather.held[i].obj == obj;
    if (holds)
        vm_object_pageout_flush();
}

uint32_t pager_returns_gathered(const struct port *port)
{
    uint32_t n = gather.m && gather.obj->pager == port;

    for (unsigned i = 0; i < gather.nheld; i++)
        n += gather.held[i].obj->pager == port;
    return n;
}

/* The data_return being filled is complete: it waits for the flush (or flushes, if full). */
static void gather_hold(void)
{
    if (gather.nheld == GATHER_HELD_MAX) {
        vm_object_pageout_flush();
        return;
    }
    gather.held[gather.nheld].m = gather.m;
    gather.held[gather.nheld].obj = gather.obj;
    gather.nheld++;
    gather.m = NULL;
}

/* See vm_object.h: the frame waits for the shootdowns if there are any. */
void vm_object_pageout_free(paddr_t frame)
{
    if (gather.tlb.cpus && gather.nfreed < VM_RETURN_GATHER_MAX) {
        gather.freed[gather.nfreed++] = frame;
        return;
    }
    if (gather.tlb.cpus)
        vm_object_pageout_flush();
    frame_free(frame); /* (no other CPU had a page of the batch, or it is flushed) */
}

/*
 * Modified page @p of @obj leaves it for its pager, in the data_return
 * being gathered when it follows that one's last page, else in a new one
 * (what was gathered is sent). 0 or -ERR_NOMEM (nothing changed).
 */
static int page_return_gathered(struct vm_object *obj, struct vm_page *p, bool dirty)
{
    if (gather.m && (gather.obj != obj || gather.end != p->offset ||
                     gather.m->ool_pages == VM_RETURN_GATHER_MAX))
        gather_hold();
    if (!gather.m) {
        struct kmsg *m = pager_msg(MEMORY_OBJECT_DATA_RETURN_ID, true);
        if (!m)
            return -ERR_NOMEM;
        m->w[MEMORY_OBJECT_DATA_RETURN_OBJECT_SLOT] = obj->id;
        m->w[MEMORY_OBJECT_DATA_RETURN_OFFSET_SLOT] = p->offset;
        m->ndesc = MEMORY_OBJECT_DATA_RETURN_REQUEST_NDESC;
        struct kdesc *d = &m->desc[MEMORY_OBJECT_DATA_RETURN_PAGES_DESC];
        d->type = IPC_DESC_OOL;
        d->flags = IPC_OOL_MOVE;
        gather.m = m, gather.obj = obj;
        pager_return_watch(obj, m); /* its pages return as they are gathered */
    }
    struct kmsg *m = gather.m;
    paddr_t frame = p->frame;
    if (dirty) /* bit i: page i was modified */
        m->w[MEMORY_OBJECT_DATA_RETURN_DIRTY_SLOT] |= 1ull << m->ool_pages;
    gather.end = p->offset + PAGE_SIZE;
    vm_object_page_remove(p);
    frame_laundry_mark(frame, vm_pager_port_ordinary(obj->pager));
    m->ool[m->ool_pages++] = frame;
    return 0;
}

int vm_object_pageout(struct vm_object *obj, uint64_t offset)
{
    struct vm_page *p = vm_object_page_lookup(obj, offset);

    if (!p || !p->frame)
        return -ERR_NOENT;
    if ((p->flags & VM_PAGE_BUSY) || frame_of(p->frame)->pin_count ||
        !list_empty(&p->waiters.threads))
        return -ERR_BUSY;
    if (!gather.tlb.open)
        mmu_batch_begin(&gather.tlb);              /* other CPUs' TLBs: at the flush */
    vm_object_page_bits(obj, offset, false, true); /* unmapped; M is kept in the page */
    if (obj->migrate == VM_MIGRATE_EVACUATING)
        vm_object_pageout_flush(); /* its page goes to the new pager at once */
    bool dirty = p->flags & VM_PAGE_DIRTY;
    bool back = dirty || (p->flags & VM_PAGE_PRECIOUS);
    vm_stats.pageouts++;
    return obj->ops->page_out(obj, p, back, dirty);
}

/* See vm_pager_internal.h: a modified or precious page goes back with data_return. */
int vm_pager_page_out(struct vm_object *obj, struct vm_page *p, bool back, bool dirty)
{
    if (obj->migrate == VM_MIGRATE_EVACUATING)
        return vm_pager_migrate_page_out(obj, p, dirty);
    if (!back) {
        vm_object_pageout_free(vm_object_page_remove(p));
        return 0;
    }
    int err = page_return_gathered(obj, p, dirty);
    return err ? err : 1;
}
