/*
 * Messages in the kernel: building one from a sender's registers and
 * extension buffer (every check first, then the rights and pages are taken),
 * delivering one into a receiver (every check that can fail first, so a
 * message that cannot be delivered stays queued), and destroying one.
 * Out-of-line pages are moved by unmapping the sender's frames and mapping
 * the same frames in the receiver, or copied into fresh frames.
 */
#include <abi/errors.h>
#include <ipc/ipc.h>
#include <ipc/ipc_kmsg.h>
#include <ipc/ipc_right.h>
#include <kern/kmalloc.h>
#include <kern/printk.h>
#include <lib/lib.h>
#include <task/task.h>
#include <vm/frame.h>
#include <vm/vm_copy.h>
#include <vm/vm_fault.h>
#include <vm/vm_pageout.h>

/* Delivery builds the receiver's extension here; nothing between filling it
 * and copying it out can block, and there is one CPU: one buffer is enough. */
static uint8_t bounce[IPC_EXT_MAX];

#define MAX_RIGHTS (IPC_DESC_MAX + 2)

/* What a message takes from one entry, to check that it all adds up. */
struct consumption {
    struct ipc_entry *entry;
    uint32_t sends, receives, once, copies;
};

static int consume(struct consumption *c, unsigned *n, struct ipc_entry *e, unsigned disp)
{
    unsigned i = 0;

    while (i < *n && c[i].entry != e)
        i++;
    if (i == *n)
        c[(*n)++] = (struct consumption){.entry = e};
    c[i].sends += disp == IPC_DISP_MOVE_SEND;
    c[i].receives += disp == IPC_DISP_MOVE_RECEIVE;
    c[i].once += disp == IPC_DISP_MOVE_SEND_ONCE;
    c[i].copies +=
        disp == IPC_DISP_COPY_SEND || disp == IPC_DISP_MAKE_SEND || disp == IPC_DISP_MAKE_SEND_ONCE;
    if (c[i].sends > e->send_refs || c[i].receives > 1 || c[i].once > 1)
        return -ERR_RIGHT;
    /* Moving a right out of a name may free the name: it cannot also be copied from. */
    if (c[i].copies && (c[i].sends || c[i].receives || c[i].once))
        return -ERR_RIGHT;
    return 0;
}

void ipc_kmsg_free_inline(struct kmsg *m)
{
    if (m->inline_size > KMALLOC_MAX)
        frame_free(virt_to_phys(m->inline_data));
    else
        kfree(m->inline_data);
    m->inline_data = NULL;
    m->inline_size = 0;
}

struct kmsg *ipc_kmsg_alloc(bool with_desc)
{
    struct kmsg *m = kzalloc(sizeof(*m));
    struct kmsg_parts *parts = with_desc && m ? kzalloc(sizeof(*parts)) : NULL;

    if (with_desc && !parts) {
        kfree(m);
        return NULL;
    }
    if (parts) {
        m->desc = parts->desc;
        m->ool = parts->ool;
    }
    if (m)
        list_init(&m->watch_link);
    return m;
}

/*
 * A zeroed message with room for exactly @ndesc descriptors and @pages
 * out-of-line pages, in one allocation with it when that is small (a
 * message that carries a page or two: a pager's supply). A separate
 * kmsg_parts would be the only object of its size class and take a slab
 * page of its own for every message.
 */
#define KMSG_EMBED_MAX 512 /* bytes of a message with its descriptors and pages in one piece */

static struct kmsg *kmsg_alloc_sized(unsigned ndesc, unsigned pages)
{
    size_t size = sizeof(struct kmsg) + ndesc * sizeof(struct kdesc) + pages * sizeof(paddr_t);

    _Static_assert(sizeof(struct kmsg) % _Alignof(struct kdesc) == 0, "descriptors follow");
    if (ndesc == 0 || size > KMSG_EMBED_MAX)
        return ipc_kmsg_alloc(ndesc > 0);
    struct kmsg *m = kzalloc(size);
    if (m) {
        m->desc = (struct kdesc *)(m + 1);
        m->ool = (paddr_t *)(m->desc + ndesc);
    }
    return m;
}

void ipc_kmsg_free(struct kmsg *m)
{
    if (m->watch_link.next) /* (a message built on the stack has no list) */
        list_remove(&m->watch_link);
    ipc_kmsg_free_inline(m);
    if (m->desc != (struct kdesc *)(m + 1))
        kfree(m->desc); /* the start of struct kmsg_parts, or NULL */
    kfree(m);
}

void ipc_kmsg_destroy(struct kmsg *m)
{
    ipc_right_release(&m->reply);
    for (unsigned i = 0; i < m->ndesc; i++)
        if (m->desc[i].type == IPC_DESC_PORT)
            ipc_right_release(&m->desc[i].right);
    for (unsigned i = 0; i < m->ool_pages; i++)
        frame_free(m->ool[i]);
    ipc_kmsg_free(m);
}

/* Check the descriptors' shape (no state is looked at). */
static int check_descriptors(const struct ipc_desc *d, unsigned ndesc, unsigned *out_pages)
{
    uint64_t pages = 0;

    for (unsigned i = 0; i < ndesc; i++) {
        if (d[i].type == IPC_DESC_PORT) {
            if (d[i].flags < IPC_DISP_MOVE_RECEIVE || d[i].flags > IPC_DISP_MAKE_SEND_ONCE)
                return -ERR_INVAL;
            continue;
        }
        if (d[i].type != IPC_DESC_OOL || (d[i].flags != IPC_OOL_MOVE && d[i].flags != IPC_OOL_COPY))
            return -ERR_INVAL;
        if (d[i].address % PAGE_SIZE || d[i].size % PAGE_SIZE || d[i].size == 0 ||
            d[i].address >= MMU_USER_TOP || d[i].size > MMU_USER_TOP - d[i].address)
            return -ERR_INVAL;
        pages += d[i].size / PAGE_SIZE;
        if (pages > IPC_OOL_MAX_PAGES)
            return -ERR_TOO_LARGE;
    }
    /* A page can be moved only once. */
    for (unsigned i = 0; i < ndesc; i++)
        for (unsigned j = i + 1; j < ndesc; j++)
            if (d[i].type == IPC_DESC_OOL && d[j].type == IPC_DESC_OOL &&
                (d[i].flags == IPC_OOL_MOVE || d[j].flags == IPC_OOL_MOVE) &&
                d[i].address < d[j].address + d[j].size && d[j].address < d[i].address + d[i].size)
                return -ERR_INVAL;
    *out_pages = (unsigned)pages;
    return 0;
}

/*
 * Copy @len bytes from @va of @self into @dst: through @self's own mappings
 * when it is the current task and they are there (only a driver can map
 * device memory, which the kernel does not read: its copies take the slow
 * way), else page by page, faulting pages in (vm_copy_in). 0 or -ERR_FAULT.
 */
static int copyin_user(struct task *self, void *dst, vaddr_t va, size_t len)
{
    if (!self->driver && va < MMU_USER_TOP && len <= MMU_USER_TOP - va &&
        mmu_current() == &self->map.space && arch_user_copy(dst, (const void *)va, len) == 0)
        return 0;
    return vm_copy_in(&self->map, dst, va, len);
}

#define OOL_FAULT_ROUNDS 16 /* attempts at having every OOL page resident at once */

/* Fault every page of the moved OOL ranges in (each may wait for a pager or for frames). */
static int fault_in_ool(struct task *self, const struct ipc_desc *d, unsigned ndesc)
{
    for (unsigned i = 0; i < ndesc; i++) {
        if (d[i].type != IPC_DESC_OOL || d[i].flags != IPC_OOL_MOVE)
            continue;
        for (uint64_t off = 0; off < d[i].size; off += PAGE_SIZE) {
            paddr_t pa;
            if (vm_map_is_device(&self->map, d[i].address + off))
                return -ERR_NOT_OWNER; /* device memory is not the task's to send */
            if (vm_fault_page(&self->map, d[i].address + off, MMU_ACCESS_READ, &pa) != VM_FAULT_OK)
                return -ERR_NOT_OWNER;
        }
    }
    return 0;
}

/* Without waiting: are all the moved OOL pages mapped now, and unpinned? */
static int ool_resident(struct task *self, const struct ipc_desc *d, unsigned ndesc)
{
    struct mmu_mapping m;

    for (unsigned i = 0; i < ndesc; i++) {
        if (d[i].type != IPC_DESC_OOL || d[i].flags != IPC_OOL_MOVE)
            continue;
        for (uint64_t off = 0; off < d[i].size; off += PAGE_SIZE) {
            if (mmu_query(&self->map.space, d[i].address + off, &m) != MMU_OK)
                return -ERR_TIMEOUT; /* pushed out while another page was faulted in */
            if (frame_of(m.pa)->pin_count)
                return -ERR_BUSY;
        }
    }
    return 0;
}

/*
 * Every page of the moved OOL ranges must lie in the sender's map and be
 * resident at once: faulting one page in may wait, and meanwhile pageout
 * may take an earlier one, so the pages are checked again without waiting,
 * and faulted in again if one went. From the final check to move_ool
 * nothing waits. (Copied pages were copied already, one at a time.)
 */
static int check_ool(struct task *self, const struct ipc_desc *d, unsigned ndesc)
{
    for (int round = 0; round < OOL_FAULT_ROUNDS; round++) {
        int err = fault_in_ool(self, d, ndesc);
        if (!err)
            err = ool_resident(self, d, ndesc);
        if (err != -ERR_TIMEOUT)
            return err;
    }
    return -ERR_NOMEM; /* memory is too short to hold the message's pages together */
}

/*
 * Copy the page at @va of @self into a fresh frame, in *@out. The frame is
 * taken as a fault takes one, by the same wait (vm_pageout_throttle): at
 * or below the frame reserve the thread waits for pageout, holding nothing
 * pageout needs, and gets -ERR_NOMEM only when pageout finds nothing to
 * evict, where a fault fails too. The source page is faulted in first
 * (which may wait for its pager); from the fault's answer to the copy
 * nothing waits, so a wait for frames means faulting the page in again.
 */
static int copy_ool_page(struct task *self, vaddr_t va, paddr_t *out)
{
    paddr_t src, dst;

    if (vm_map_is_device(&self->map, va))
        return -ERR_NOT_OWNER; /* device memory is not the task's to send */
    /* Mostly the page is mapped: read it through the sender's own mapping. */
    if (mmu_current() == &self->map.space && vm_pageout_reserve_ok() &&
        (dst = frame_alloc(FRAME_USER, NULL)) != 0) {
        if (arch_user_copy(phys_to_virt(dst), (const void *)va, PAGE_SIZE) == 0) {
            *out = dst;
            return 0;
        }
        frame_free(dst);
    }
    for (;;) {
        if (vm_fault_page(&self->map, va, MMU_ACCESS_READ, &src) != VM_FAULT_OK)
            return -ERR_NOT_OWNER;
        if (vm_pageout_reserve_ok())
            break;
        if (vm_pageout_throttle() == VM_FAULT_NOMEM)
            return -ERR_NOMEM;
    }
    dst = frame_alloc(FRAME_USER, NULL);
    if (!dst)
        return -ERR_NOMEM;
    memcpy(phys_to_virt(dst), phys_to_virt(src), PAGE_SIZE);
    *out = dst;
    return 0;
}

/* Copy the pages of IPC_OOL_COPY descriptors into fresh frames (each may wait for memory). */
static int copy_ool(struct task *self, struct kmsg *m, const struct ipc_desc *d)
{
    for (unsigned i = 0; i < m->ndesc; i++) {
        if (d[i].type != IPC_DESC_OOL || d[i].flags != IPC_OOL_COPY)
            continue;
        for (uint64_t off = 0; off < d[i].size; off += PAGE_SIZE) {
            int err = copy_ool_page(self, d[i].address + off, &m->ool[m->ool_pages]);
            if (err)
                return err; /* the caller frees m->ool[] */
            m->ool_pages++;
        }
    }
    return 0;
}

/* Take the pages of IPC_OOL_MOVE descriptors out of the sender: their frames go with the message.
 */
static void move_ool(struct task *self, struct kmsg *m, const struct ipc_desc *d)
{
    for (unsigned i = 0; i < m->ndesc; i++) {
        if (d[i].type != IPC_DESC_OOL)
            continue;
        m->desc[i].type = IPC_DESC_OOL;
        m->desc[i].flags = d[i].flags;
        m->desc[i].npages = (uint32_t)(d[i].size / PAGE_SIZE);
        if (d[i].flags != IPC_OOL_MOVE)
            continue;
        m->desc[i].first_page = m->ool_pages;
        for (uint64_t off = 0; off < d[i].size; off += PAGE_SIZE) {
            paddr_t pa;
            /* check_ool made it resident and check_descriptors refused overlaps. */
            if (vm_map_take_page(&self->map, d[i].address + off, &pa) != 0)
                panic("ipc: OOL page at %llx vanished", (unsigned long long)(d[i].address + off));
            m->ool[m->ool_pages++] = pa; /* vm_map_take_page left its owner NULL */
        }
    }
}

/* COPY descriptors were filled first; record where their frames start. */
static void index_copied_ool(struct kmsg *m, const struct ipc_desc *d)
{
    uint32_t next = 0;

    for (unsigned i = 0; i < m->ndesc; i++)
        if (d[i].type == IPC_DESC_OOL && d[i].flags == IPC_OOL_COPY) {
            m->desc[i].first_page = next;
            next += (uint32_t)(d[i].size / PAGE_SIZE);
        }
}

/* Check the header rights and every port descriptor together. */
static int check_rights(struct task *self, const struct ipc_send_args *a, const struct ipc_desc *d,
                        struct ipc_entry **entries)
{
    struct consumption c[MAX_RIGHTS];
    unsigned n = 0;
    int err;

    err = ipc_right_check(&self->ipc, a->remote, a->remote_disp, &entries[0]);
    bool remote_moves =
        a->remote_disp == IPC_DISP_MOVE_SEND || a->remote_disp == IPC_DISP_MOVE_SEND_ONCE;
    if (!err && remote_moves) /* a copied destination right is not taken */
        err = consume(c, &n, entries[0], a->remote_disp);
    if (!err && a->local_disp && !a->call) {
        err = ipc_right_check(&self->ipc, a->local, a->local_disp, &entries[1]);
        if (!err)
            err = consume(c, &n, entries[1], a->local_disp);
    }
    for (unsigned i = 0; !err && i < a->ndesc; i++) {
        if (d[i].type != IPC_DESC_PORT)
            continue;
        err = ipc_right_check(&self->ipc, d[i].name, d[i].flags, &entries[2 + i]);
        if (!err)
            err = consume(c, &n, entries[2 + i], d[i].flags);
    }
    return err;
}

/*
 * A receive right may not travel to its own port, nor to a port whose
 * receive right is in transit: the message would hold the only right that
 * can receive it (directly, or through a chain of such messages), and the
 * ports and their queues would never be freed (Mach checks circularity the
 * same way, more finely). Kernel object, thread reply and dead ports are
 * never in transit. Called after check_rights: @entries are valid.
 */
static int check_no_cycle(const struct ipc_send_args *a, const struct ipc_desc *d,
                          struct ipc_entry **entries)
{
    const struct port *dest = entries[0]->object;
    bool held = dest->receiver || dest->dead || dest->kobject || dest->reply_of;

    if (a->local_disp == IPC_DISP_MOVE_RECEIVE && !a->call && (!held || entries[1]->object == dest))
        return -ERR_INVAL;
    for (unsigned i = 0; i < a->ndesc; i++)
        if (d[i].type == IPC_DESC_PORT && d[i].flags == IPC_DISP_MOVE_RECEIVE &&
            (!held || entries[2 + i]->object == dest))
            return -ERR_INVAL;
    return 0;
}

/* Consume the destination right as its disposition says (it is not carried). */
static void take_remote(struct task *self, const struct ipc_send_args *a, struct ipc_entry *e,
                        struct kmsg *m)
{
    if (a->remote_disp == IPC_DISP_MOVE_SEND || a->remote_disp == IPC_DISP_MOVE_SEND_ONCE) {
        struct kright r = ipc_right_take(&self->ipc, a->remote, e, a->remote_disp);
        m->reply_seq = r.so_seq;
        if (r.kind == IPC_RIGHT_SEND)
            port_release_send(r.port);
        else {
            r.port->send_once_rights--;
            port_unref(r.port);
        }
    }
}

static void take_rights(struct task *self, const struct ipc_send_args *a, const struct ipc_desc *d,
                        struct ipc_entry **entries, struct kmsg *m)
{
    for (unsigned i = 0; i < a->ndesc; i++) {
        if (d[i].type != IPC_DESC_PORT)
            continue;
        m->desc[i].type = IPC_DESC_PORT;
        m->desc[i].flags = d[i].flags;
        m->desc[i].right = ipc_right_take(&self->ipc, d[i].name, entries[2 + i], d[i].flags);
    }
    if (a->local_disp && !a->call)
        m->reply = ipc_right_take(&self->ipc, a->local, entries[1], a->local_disp);
    take_remote(self, a, entries[0], m);
}

/* Give @m an inline buffer of @size bytes (a whole frame when large). */
static int alloc_inline(struct kmsg *m, uint32_t size)
{
    if (!size)
        return 0;
    if (size > KMALLOC_MAX) {
        paddr_t pa = frame_alloc(FRAME_KERNEL, NULL);
        m->inline_data = pa ? phys_to_virt(pa) : NULL;
    } else {
        m->inline_data = kzalloc(size);
    }
    if (!m->inline_data)
        return -ERR_NOMEM;
    m->inline_size = size;
    return 0;
}

/*
 * Read the extension's descriptors into @d and check what needs no state;
 * *@pages is how many out-of-line pages they carry.
 */
static int copyin_desc(struct task *self, const struct ipc_send_args *a, struct ipc_desc *d,
                       unsigned *pages)
{
    uint32_t desc_bytes = a->ndesc * sizeof(struct ipc_desc);

    *pages = 0;
    if (a->ext_size > IPC_EXT_MAX || a->ndesc > IPC_DESC_MAX || desc_bytes > a->ext_size ||
        a->ext_size - desc_bytes > IPC_INLINE_MAX)
        return -ERR_TOO_LARGE;
    if (desc_bytes && copyin_user(self, d, a->ext_addr, desc_bytes) != 0)
        return -ERR_FAULT;
    return check_descriptors(d, a->ndesc, pages);
}

/* Read the extension's inline bytes straight into @m's own buffer (reading may wait for a pager).
 */
static int copyin_inline(struct task *self, const struct ipc_send_args *a, struct kmsg *m)
{
    uint32_t desc_bytes = a->ndesc * sizeof(struct ipc_desc);
    int err = alloc_inline(m, a->ext_size - desc_bytes);

    if (err)
        return err;
    if (m->inline_size &&
        copyin_user(self, m->inline_data, a->ext_addr + desc_bytes, m->inline_size) != 0)
        return -ERR_FAULT;
    return 0;
}

int ipc_kmsg_copyin(struct task *self, const struct ipc_send_args *a, struct kmsg **out)
{
    struct ipc_desc d[IPC_DESC_MAX];
    struct ipc_entry *entries[MAX_RIGHTS];
    unsigned pages;
    int err = copyin_desc(self, a, d, &pages);

    if (err)
        return err;
    struct kmsg *m = kmsg_alloc_sized(a->ndesc, pages);
    if (!m)
        return -ERR_NOMEM;
    m->user = true;
    m->id = a->id;
    m->ndesc = a->ndesc;
    memcpy(m->w, a->w, sizeof(m->w));
    /* Steps that may wait for a pager come first; the rights are checked
     * after them, so what was checked is still true when it is taken. */
    struct thread *t = thread_current();
    t->sending = m; /* destroyed with the thread if it is killed while it waits */
    err = copyin_inline(self, a, m);
    if (!err)
        err = copy_ool(self, m, d);
    if (!err)
        err = check_ool(self, d, a->ndesc);
    if (!err)
        err = check_rights(self, a, d, entries);
    if (!err)
        err = check_no_cycle(a, d, entries);
    t->sending = NULL;
    if (err) {
        ipc_kmsg_destroy(m); /* holds no rights yet: frees pages and inline data */
        return err;
    }
    /* From here on nothing can fail. */
    index_copied_ool(m, d);
    take_rights(self, a, d, entries, m);
    move_ool(self, m, d);
    *out = m;
    return 0;
}

/* --- delivery --- */

/* Does right @r need a new name in @space (a send or receive right joins the port's name)? */
static bool right_needs_name(struct ipc_space *space, const struct kright *r)
{
    return r->kind == IPC_RIGHT_SEND_ONCE || !ipc_entry_find_port(space, r->port);
}

static unsigned names_needed(struct ipc_space *space, const struct kmsg *m)
{
    unsigned n = m->reply.port && right_needs_name(space, &m->reply);

    for (unsigned i = 0; i < m->ndesc; i++)
        n += m->desc[i].type == IPC_DESC_PORT && right_needs_name(space, &m->desc[i].right);
    return n;
}

/* Take back what map_ool mapped for descriptors before @upto (frames stay in m). */
static void unmap_ool(struct task *t, struct kmsg *m, unsigned upto, const vaddr_t *at)
{
    for (unsigned i = 0; i < upto; i++)
        if (m->desc[i].type == IPC_DESC_OOL && at[i])
            vm_map_extract_pages(&t->map, at[i], m->desc[i].npages, NULL);
}

/* Map every OOL descriptor's frames at a fresh range of @t; all or nothing. */
static int map_ool(struct task *t, struct kmsg *m, vaddr_t *at)
{
    for (unsigned i = 0; i < m->ndesc; i++) {
        at[i] = 0;
        if (m->desc[i].type != IPC_DESC_OOL)
            continue;
        int err = vm_map_insert_pages(&t->map, &m->ool[m->desc[i].first_page], m->desc[i].npages,
                                      MMU_PROT_READ | MMU_PROT_WRITE, &at[i]);
        if (err) {
            at[i] = 0;
            unmap_ool(t, m, i, at);
            return err;
        }
    }
    return 0;
}

/*
 * The pages of [@va, @va + @len) accept a write. Returns 0 when they all
 * did without a fault, -ERR_FAULT, or IPC_DELIVER_RETRY after faulting some
 * in: that may have waited for a pager, so the caller looks at the queue
 * again (the message may be gone).
 */
static int probe_writable(struct task *t, vaddr_t va, size_t len)
{
    int result = 0;

    if (va >= MMU_USER_TOP || len > MMU_USER_TOP - va)
        return -ERR_FAULT;
    for (vaddr_t p = ALIGN_DOWN(va, PAGE_SIZE); p < va + len; p += PAGE_SIZE) {
        struct mmu_mapping mm;
        paddr_t pa;
        if (mmu_query(&t->map.space, p, &mm) == MMU_OK && (mm.prot & MMU_PROT_WRITE))
            continue;
        if (vm_fault_page(&t->map, p, MMU_ACCESS_WRITE, &pa) != VM_FAULT_OK)
            return -ERR_FAULT;
        result = IPC_DELIVER_RETRY;
    }
    return result;
}

/* Commit: install rights, hand over pages, write the extension. Cannot fail. */
static uint32_t commit(struct task *t, struct kmsg *m, const vaddr_t *at, vaddr_t ext_addr)
{
    struct ipc_desc *d = (struct ipc_desc *)bounce;

    for (unsigned i = 0; i < m->ndesc; i++) {
        memset(&d[i], 0, sizeof(d[i]));
        d[i].type = m->desc[i].type;
        d[i].flags = m->desc[i].flags;
        if (m->desc[i].type == IPC_DESC_PORT) {
            d[i].flags = m->desc[i].right.kind == IPC_RIGHT_SEND_ONCE ? IPC_DISP_MOVE_SEND_ONCE
                         : m->desc[i].right.kind == IPC_RIGHT_RECEIVE ? IPC_DISP_MOVE_RECEIVE
                                                                      : IPC_DISP_MOVE_SEND;
            d[i].name = ipc_right_install(t, &m->desc[i].right);
        } else {
            d[i].address = at[i];
            d[i].size = m->desc[i].npages * PAGE_SIZE; /* the frames are the region's now */
        }
    }
    m->ool_pages = 0;
    uint32_t size = m->ndesc * sizeof(struct ipc_desc);
    if (m->inline_size)
        memcpy(bounce + size, m->inline_data, m->inline_size);
    size += m->inline_size;
    if (size)
        vm_copy_out(&t->map, ext_addr, bounce, size);
    return size;
}

int ipc_kmsg_deliver(struct task *t, struct port *from, struct kmsg *m,
                     const struct ipc_rcv_args *r, struct syscall_regs *regs)
{
    uint32_t ext = m->ndesc * sizeof(struct ipc_desc) + m->inline_size;
    vaddr_t at[IPC_DESC_MAX];
    int err = 0;

    if (ext > r->capacity)
        err = -ERR_TRUNCATED;
    else if (ext)
        err = probe_writable(t, r->ext_addr, ext);
    if (!err)
        err = ipc_space_reserve(&t->ipc, names_needed(&t->ipc, m));
    if (err == -ERR_NOSPACE) {
        /* Its rights cannot fit in a full name space, now or on any later
         * try: it is destroyed rather than left to block the queue for good
         * (Mach destroys it too, MACH_RCV_HEADER_ERROR). */
        port_dequeue(from, m);
        ipc_kmsg_destroy(m);
        return err;
    }
    if (!err)
        err = map_ool(t, m, at);
    if (err)
        return err; /* the message stays queued */
    port_dequeue(from, m);
    unsigned remote_disp = m->reply.kind == IPC_RIGHT_SEND_ONCE ? IPC_DISP_MOVE_SEND_ONCE
                           : m->reply.port                      ? IPC_DISP_MOVE_SEND
                                                                : IPC_DISP_NONE;
    port_name_t remote = m->reply.port ? ipc_right_install(t, &m->reply) : PORT_NULL;
    uint64_t ext_written = commit(t, m, at, r->ext_addr);
    ipc_regs_received(regs, remote, from->reply_of ? PORT_NULL : from->recv_name,
                      IPC_TAG(m->id, remote_disp, 0, m->ndesc) | (m->user ? 0 : IPC_TAG_KERNEL),
                      (uint32_t)ext_written, from->reply_of ? 0 : port_seqno_take(from), m->w);
    ipc_kmsg_free(m);
    return 0;
}
