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

/* The data_return being gathered by vm_object_pageout (vm_object_pageout_flush). */
static struct {
    struct kmsg *m; /* NULL: none */
    struct vm_object *obj;
    uint64_t end; /* the offset after its last page */
} gather;

void vm_object_pageout_flush(void)
{
    struct kmsg *m = gather.m;

    if (!m)
        return;
    gather.m = NULL;
    m->desc[MEMORY_OBJECT_DATA_RETURN_PAGES_DESC].npages = m->ool_pages;
    if (pager_send_to(gather.obj->pager, m) == 0) /* (dead: its pages go with it, as one's would) */
        gather.obj->returned += m->ool_pages;
}

void vm_pager_return_flush_for(struct vm_object *obj)
{
    if (gather.m && gather.obj == obj)
        vm_object_pageout_flush();
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
        vm_object_pageout_flush();
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
    vm_object_page_bits(obj, offset, false, true); /* unmapped; M is kept in the page */
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
        frame_free(vm_object_page_remove(p));
        return 0;
    }
    int err = page_return_gathered(obj, p, dirty);
    return err ? err : 1;
}
