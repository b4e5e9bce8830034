/*
 * The default pager's swap store (section 3.6.5): pages returned by pageout
 * are written to blocks of the swap disk through the backing-store server and
 * read back on the next data_request. Where a page goes is the swap-space
 * allocator's choice (pager/swap): placement (a) gives each object one
 * contiguous area when it is created, placement (b) a block per page the
 * first time it is paged out, recorded in the object's disk map. A page read
 * back keeps its block, so that if it is not modified again pageout can drop
 * it (the disk copy is still valid) and a modified one overwrites it. When
 * no block can be had (swap full) the page stays in the pager's RAM store:
 * nothing is lost, memory just is not freed.
 *
 * Writes behind (a pager with one serving thread): a returned page is
 * copied into a batch of up to DP_WRITE_MAX pages on consecutive blocks,
 * which goes to the disk in one request when the next page's block does
 * not follow or when it is full; up to the pager's count of such requests
 * are on their way at once (each answers on a reply port of its own), and
 * a batch waits for any earlier one on the same blocks. Before anything
 * reads the disk or changes the disk maps (a request, an evacuation, a
 * discard, an object's end), and when no message waits (the loop's
 * on_idle), the batch goes and every write is waited for: no read
 * overtakes the write of its page. Fresh blocks come from the free-chunk
 * list in order, so pages pushed out together make few requests.
 *
 * With several serving threads there is no batch (it is one for all
 * objects): the thread handling a return writes the pages of each run on
 * consecutive blocks in one request of its own and waits for it, under the
 * object's lock, so again no read of the object overtakes a write.
 */
#include "default_pager.h"

#include <bstore_defs.h>
#include <ipc/fmt.h>
#include <ipc/ipc.h>
#include <ipc/string.h>
#include <ipc/sys.h>
#include <lib/cmdline.h>
#include <naming_defs.h>
#include <swap.h>

#define DP_LEAVES 128u             /* disk-map leaves: objects x 4 MiB ranges with pages on swap */
#define DP_RUN_MAX 16u             /* blocks one backing-store read takes, at most */
#define DP_WRITE_MAX 16u           /* pages one backing-store write takes, at most */
#define DP_WRITES_IN_FLIGHT_MAX 4u /* writes on their way at once, at most (bstore takes 8) */

/* Pages going to blocks @first onwards: which page of which object each one is. */
struct dp_pages {
    swap_blk_t first;
    uint32_t n;
    struct {
        struct pager_object *obj;
        uint64_t page;
    } of[DP_WRITE_MAX];
};

/* The swap state of one object (obj->data). */
struct dp_object {
    uint64_t npages;
    bool has_map;          /* placement (b): map is set up */
    struct swap_map map;   /* placement (b): the disk map */
    struct swap_area area; /* placement (a): empty when none could be reserved */
    uint8_t *on_disk;      /* placement (a): bit per page, set when its block holds it */
    uint8_t *lost;         /* bit per page whose write failed (allocated on the first) */
    uint64_t *charge;      /* the blocks its owner holds (pager_owner_blocks), or NULL */
    uint64_t evacuated;    /* evacuate: the pages before this one were handed over */
};

static struct {
    port_name_t bstore;
    bool static_areas;
    pager_spin_t lock; /* the swap space, the leaf pool and the counters */
    struct swap_space space;
    struct swap_map_pool pool;
    uint64_t writes, reads, kept;
    bool full_reported;
    /* The write-behind batch being gathered: its pages' contents at @buf */
    struct {
        char *buf; /* DP_WRITE_MAX pages, faulted in as a batch fills (NULL: pages written one by
                      one) */
        struct dp_pages p;
    } batch;
    /* The batches on their way, oldest first from @first_out; @slots reply ports */
    struct {
        port_name_t reply;
        struct dp_pages p;
    } out[DP_WRITES_IN_FLIGHT_MAX];
    uint32_t first_out, nout, slots;
} dp;

int dp_swap_init(port_name_t bstore, bool static_areas, uint32_t writes)
{
    uint64_t blocks;
    int err = bstore_info(bstore, &blocks);

    if (err < 0)
        return err;
    if (blocks == 0 || blocks >= SWAP_NONE)
        return -ERR_INVAL;
    /* A table for every possible chunk when it fits a 1 MiB block; else a live limit. */
    uint32_t capacity = SWAP_CHUNKS_FOR(blocks);
    if (capacity > (1u << 20) / sizeof(struct swap_chunk))
        capacity = (1u << 20) / sizeof(struct swap_chunk);
    struct swap_chunk *table = pager_mem_alloc(capacity * sizeof(struct swap_chunk));
    long leaves =
        sys_vm_allocate(DP_LEAVES * sizeof(struct swap_map_leaf), VM_PROT_READ | VM_PROT_WRITE);
    if (table == NULL || leaves < 0)
        return -ERR_NOMEM;
    /* Touched now: the pager must not take frames for its own bookkeeping under pressure. */
    for (uint64_t off = 0; off < DP_LEAVES * sizeof(struct swap_map_leaf); off += PAGE_SIZE)
        ((volatile char *)leaves)[off] = 0;
    err = swap_init(&dp.space, (swap_blk_t)blocks, table, capacity);
    if (err == 0)
        err = swap_map_pool_init(&dp.pool, (struct swap_map_leaf *)leaves, DP_LEAVES);
    dp.bstore = bstore;
    dp.static_areas = static_areas;
    long buf = sys_vm_allocate(DP_WRITE_MAX * PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE);
    if (buf > 0)
        dp.batch.buf = (char *)buf;
    while (dp.slots < writes && dp.slots < DP_WRITES_IN_FLIGHT_MAX &&
           port_allocate(IPC_RIGHT_RECEIVE, &dp.out[dp.slots].reply) == 0)
        dp.slots++; /* none: each batch is written and waited for in turn */
    return err;
}

static bool bit_get(const uint8_t *bits, uint64_t i)
{
    return bits != NULL && (bits[i / 8] >> (i % 8)) & 1u;
}

static void bit_put(uint8_t *bits, uint64_t i, bool on)
{
    if (on)
        bits[i / 8] |= (uint8_t)(1u << (i % 8));
    else
        bits[i / 8] &= (uint8_t) ~(1u << (i % 8));
}

static uint64_t bitmap_bytes(const struct dp_object *o)
{
    return (o->npages + 7) / 8;
}

/*
 * A static area's blocks are its owner's from its reservation (@blocks, its
 * size) to its release (minus its size). dp.lock held.
 */
static void dp_area_charge(struct dp_object *o, int64_t blocks)
{
    if (o->charge != NULL)
        *o->charge += (uint64_t)blocks;
}

int dp_swap_object_init(struct pager *pager, struct pager_object *obj)
{
    struct dp_object *o = pager_mem_zalloc(sizeof(*o));

    (void)pager;
    if (o == NULL)
        return -ERR_NOMEM;
    o->npages = obj->size / PAGE_SIZE;
    o->charge = pager_owner_blocks(obj);
    obj->data = o;
    /* An object that gets no swap still works: its pages stay in memory. */
    pager_spin_lock(&dp.lock);
    if (!dp.static_areas) {
        o->has_map = o->npages <= SWAP_MAP_MAX_PAGES &&
                     swap_map_init(&o->map, &dp.pool, (swap_blk_t)o->npages) == 0;
        if (o->has_map) /* each block of its map is its owner's */
            swap_map_charge(&o->map, o->charge);
    } else if (o->npages < SWAP_NONE && (o->on_disk = pager_mem_zalloc(bitmap_bytes(o))) != NULL &&
               swap_area_reserve(&dp.space, (swap_blk_t)o->npages, &o->area) != 0) {
        pager_mem_free(o->on_disk, bitmap_bytes(o));
        o->on_disk = NULL;
    }
    dp_area_charge(o, o->area.npages); /* 0 without one */
    pager_spin_unlock(&dp.lock);
    return 0;
}

/* The block holding page @page of @o now, or SWAP_NONE. */
static swap_blk_t dp_block_of(const struct dp_object *o, uint64_t page)
{
    if (o->has_map)
        return swap_map_lookup(&o->map, (swap_blk_t)page);
    if (bit_get(o->on_disk, page))
        return swap_area_block(&o->area, (swap_blk_t)page);
    return SWAP_NONE;
}

/* A block to write page @page of @o to (its own one if it has one), or SWAP_NONE. */
static swap_blk_t dp_block_for_write(struct dp_object *o, uint64_t page)
{
    swap_blk_t blk = SWAP_NONE;

    pager_spin_lock(&dp.lock);
    if (o->has_map) {
        if (swap_page_alloc(&dp.space, &o->map, (swap_blk_t)page, &blk) != 0)
            blk = SWAP_NONE;
    } else if (o->on_disk != NULL) {
        blk = swap_area_block(&o->area, (swap_blk_t)page);
    }
    pager_spin_unlock(&dp.lock);
    return blk;
}

int dp_swap_read(swap_blk_t blk, uint64_t n, void **pages)
{
    uint64_t size = 0;

    dp_swap_flush(); /* no read overtakes a write */
    int err = bstore_read(dp.bstore, blk, n, pages, &size);

    if (err == 0 && size == n * PAGE_SIZE) {
        __atomic_add_fetch(&dp.reads, n, __ATOMIC_RELAXED);
        return 0;
    }
    if (size != 0)
        sys_vm_deallocate(*pages, size);
    printf("default_pager: reading block %u failed: %s\n", blk, err_text(err < 0 ? err : -ERR_IO));
    return err < 0 ? err : -ERR_IO;
}

/*
 * Read @n pages from @at, on blocks @blk onwards, in one backing-store
 * request and supply them in one message with @flags; the disk keeps its
 * copy. When the kernel refuses the run for a page it holds (it came in
 * meanwhile), the page at @at is read and supplied alone. @traced: a traced
 * fault's request (its steps to the disk are marked).
 */
static void dp_read_supply(struct pager_object *obj, uint64_t at, swap_blk_t blk, uint64_t n,
                           unsigned flags, bool traced)
{
    void *pages = NULL;
    uint64_t size = n * PAGE_SIZE;

    if (traced) /* a traced fault: the request to the backing store, and its answer */
        sys_trace_mark(TRACE_STORE, obj->id, at);
    int err = dp_swap_read(blk, n, &pages);
    if (traced)
        sys_trace_mark(TRACE_DISK, obj->id, at);

    if (err == 0) {
        err = pager_data_supply(obj, at, pages, size, flags);
        sys_vm_deallocate(pages, size);
        if (err == -ERR_BUSY && n > 1)
            return dp_read_supply(obj, at, blk, 1, flags, traced);
        if (err < 0 && err != -ERR_BUSY) /* busy: resident already, the kernel's copy stands */
            printf("default_pager: supply %lx: %s\n", (unsigned long)at, err_text(err));
        return;
    }
    pager_data_error(obj, at, PAGE_SIZE, err);
}

/* Is page @page of @o on disk only (not kept in memory, not lost) at block @blk? */
static bool dp_on_disk_at(struct pager_object *obj, struct dp_object *o, uint64_t page,
                          swap_blk_t blk)
{
    return page < o->npages && !bit_get(o->lost, page) &&
           pager_store_lookup(&obj->store, page * PAGE_SIZE) == NULL && dp_block_of(o, page) == blk;
}

swap_blk_t dp_swap_block(struct pager_object *obj, uint64_t offset)
{
    struct dp_object *o = obj->data;
    uint64_t page = offset / PAGE_SIZE;

    if (o == NULL || page >= o->npages)
        return SWAP_NONE;
    swap_blk_t blk = dp_block_of(o, page);
    return dp_on_disk_at(obj, o, page, blk) ? blk : SWAP_NONE;
}

uint64_t dp_swap_run(struct pager_object *obj, uint64_t offset, uint64_t max)
{
    struct dp_object *o = obj->data;
    uint64_t page = offset / PAGE_SIZE, n = 0;
    swap_blk_t blk = page < o->npages ? dp_block_of(o, page) : SWAP_NONE;

    if (blk == SWAP_NONE)
        return 0;
    while (n < max && n < DP_RUN_MAX && dp_on_disk_at(obj, o, page + n, blk + (swap_blk_t)n))
        n++;
    return n;
}

uint64_t dp_swap_supply_run(struct pager_object *obj, uint64_t offset, uint64_t n, bool traced)
{
    struct dp_object *o = obj->data;

    dp_read_supply(obj, offset, dp_block_of(o, offset / PAGE_SIZE), n, 0, traced);
    return n * PAGE_SIZE;
}

bool dp_swap_has(struct pager_object *obj, uint64_t offset)
{
    struct dp_object *o = obj->data;
    uint64_t page = offset / PAGE_SIZE;

    return o != NULL && page < o->npages && dp_block_of(o, page) != SWAP_NONE;
}

void dp_swap_discard(struct pager_object *obj, uint64_t offset)
{
    struct dp_object *o = obj->data;
    uint64_t page = offset / PAGE_SIZE;

    if (o == NULL || page >= o->npages)
        return;
    dp_swap_flush(); /* its block may be in the batch */
    pager_spin_lock(&dp.lock);
    if (o->has_map) /* -ERR_NOENT when it had no block: nothing to do */
        swap_page_free(&dp.space, &o->map, (swap_blk_t)page);
    pager_spin_unlock(&dp.lock);
    if (o->on_disk != NULL) /* a static area keeps its block, now holding nothing */
        bit_put(o->on_disk, page, false);
    if (o->lost != NULL)
        bit_put(o->lost, page, false);
}

/* One piece of a request's answer: a run on consecutive blocks, a kept, a lost or a never-stored
 * page. */
struct dp_piece {
    uint64_t at, n;
    enum { DP_PIECE_DISK, DP_PIECE_KEPT, DP_PIECE_LOST, DP_PIECE_GAP } kind;
    swap_blk_t blk;
    void *pages; /* a disk run read in, or NULL when the read failed */
};

/* What @obj holds of its page at @at: kept, lost, on disk (at *@blk) or nothing (a gap). */
static int dp_page_kind(struct pager_object *obj, struct dp_object *o, uint64_t at, swap_blk_t *blk)
{
    uint64_t page = at / PAGE_SIZE;

    *blk = SWAP_NONE;
    if (pager_store_lookup(&obj->store, at) != NULL)
        return DP_PIECE_KEPT;
    if (page >= o->npages)
        return DP_PIECE_GAP;
    if (bit_get(o->lost, page))
        return DP_PIECE_LOST;
    *blk = dp_block_of(o, page);
    return *blk != SWAP_NONE ? DP_PIECE_DISK : DP_PIECE_GAP;
}

/* The next piece of [@at, @end) of @obj: a disk run or a gap as long as it goes, else a page. */
static struct dp_piece dp_piece_at(struct pager_object *obj, struct dp_object *o, uint64_t at,
                                   uint64_t end)
{
    struct dp_piece pc = {.at = at, .n = 1, .pages = NULL};
    swap_blk_t next_blk;

    pc.kind = dp_page_kind(obj, o, at, &pc.blk);
    if (pc.kind == DP_PIECE_DISK)
        pc.n = dp_swap_run(obj, at, (end - at) / PAGE_SIZE);
    while (pc.kind == DP_PIECE_GAP && at + pc.n * PAGE_SIZE < end &&
           dp_page_kind(obj, o, at + pc.n * PAGE_SIZE, &next_blk) == DP_PIECE_GAP)
        pc.n++;
    return pc;
}

/* Answer piece @pc (its disk run read in already, when it has one). */
static void dp_piece_answer(struct pager_object *obj, struct dp_piece *pc, bool traced)
{
    uint64_t size = pc->n * PAGE_SIZE;

    switch (pc->kind) {
    case DP_PIECE_KEPT: /* the store lets it go: precious, it must come back even if clean */
        pager_pages_supply(obj, pc->at, PAGER_SUPPLY_PRECIOUS);
        break;
    case DP_PIECE_LOST:
        pager_data_error(obj, pc->at, PAGE_SIZE, -ERR_IO);
        break;
    case DP_PIECE_GAP:
        pager_data_unavailable(obj, pc->at, size);
        break;
    case DP_PIECE_DISK:
        if (pc->pages == NULL) {
            pager_data_error(obj, pc->at, PAGE_SIZE, -ERR_IO);
            break;
        }
        int err = pager_data_supply(obj, pc->at, pc->pages, size, 0);
        sys_vm_deallocate(pc->pages, size);
        if (err == -ERR_BUSY && pc->n > 1) /* a page came in meanwhile: the first one alone */
            dp_read_supply(obj, pc->at, pc->blk, 1, 0, traced);
        else if (err < 0 && err != -ERR_BUSY)
            printf("default_pager: supply %lx: %s\n", (unsigned long)pc->at, err_text(err));
        break;
    }
}

#define DP_PIECES_MAX 16u /* pieces of one answer: one request's pages, at most */

/*
 * Answer the request for [@at, @end) (at most DP_PIECES_MAX pages): every
 * disk run of it is read first, then the pieces are answered last first,
 * so the faulting page at @at comes last. Answered first, it woke the
 * faulting thread, whose next fault, on a page of the range not answered
 * yet, sent a request of its own, and each page of the rest was read once
 * per request: a sequential read of pages on scattered blocks read every
 * page about five times (test_swap_async: 37,000 reads for 8,192 pages).
 */
static void dp_swap_answer(struct pager_object *obj, struct dp_object *o, uint64_t at, uint64_t end,
                           bool traced)
{
    struct dp_piece pieces[DP_PIECES_MAX];
    unsigned n = 0;

    for (uint64_t next = at; next < end && n < DP_PIECES_MAX; n++) {
        pieces[n] = dp_piece_at(obj, o, next, end);
        next += pieces[n].n * PAGE_SIZE;
    }
    for (unsigned i = 0; i < n; i++) {
        if (pieces[i].kind != DP_PIECE_DISK)
            continue;
        if (traced) /* a traced fault: its request to the backing store, and the answer */
            sys_trace_mark(TRACE_STORE, obj->id, pieces[i].at);
        if (dp_swap_read(pieces[i].blk, pieces[i].n, &pieces[i].pages) != 0)
            pieces[i].pages = NULL;
        if (traced)
            sys_trace_mark(TRACE_DISK, obj->id, pieces[i].at);
    }
    while (n > 0)
        dp_piece_answer(obj, &pieces[--n], traced);
}

void dp_swap_request(struct pager *pager, struct pager_object *obj, uint64_t offset, uint64_t count,
                     unsigned access)
{
    uint64_t end = offset + count;

    (void)pager;
    dp_swap_flush(); /* the pages asked for are on the disk, not in the batch */
    for (uint64_t at = offset; at < end; at += DP_PIECES_MAX * PAGE_SIZE)
        dp_swap_answer(obj, obj->data, at,
                       end - at > DP_PIECES_MAX * PAGE_SIZE ? at + DP_PIECES_MAX * PAGE_SIZE : end,
                       access & MEMORY_OBJECT_ACCESS_TRACED);
}

/*
 * Swap is full: the page stays in memory, and the kernel is told to stop
 * sending modified pages for a while (pageout stops), so that memory does
 * not fill with pages kept here. Logged once per episode.
 */
static void dp_report_full(struct pager_object *obj, uint64_t at)
{
    __atomic_add_fetch(&dp.kept, 1, __ATOMIC_RELAXED);
    pager_store_full(obj, true);
    if (!__atomic_exchange_n(&dp.full_reported, true, __ATOMIC_RELAXED))
        printf("default_pager: swap full: object %lu offset %lx stays in memory\n",
               (unsigned long)obj->id, (unsigned long)at);
}

/* The write of page @page of @obj to its block ended with @err: record where the page is. */
static void dp_written(struct pager_object *obj, uint64_t page, swap_blk_t blk, int err)
{
    struct dp_object *o = obj->data;

    if (err < 0) {
        printf("default_pager: writing block %u failed: %s; object %lu offset %lx is lost\n", blk,
               err_text(err), (unsigned long)obj->id, (unsigned long)(page * PAGE_SIZE));
        if (o->lost == NULL)
            o->lost = pager_mem_zalloc(bitmap_bytes(o));
        if (o->lost != NULL)
            bit_put(o->lost, page, true);
        return;
    }
    __atomic_add_fetch(&dp.writes, 1, __ATOMIC_RELAXED);
    if (o->on_disk != NULL)
        bit_put(o->on_disk, page, true);
    if (o->lost != NULL)
        bit_put(o->lost, page, false);
}

/* The pages of @p were written, or not (@err). */
static void dp_pages_written(const struct dp_pages *p, int err)
{
    for (uint32_t i = 0; i < p->n; i++)
        dp_written(p->of[i].obj, p->of[i].page, p->first + i, err);
}

/* The answer to a write that came to @reply: its code, or -ERR_IO (the server died). */
static int dp_write_answer(port_name_t reply)
{
    struct ipc_message m;
    long err = ipc_recv(&m, reply, IPC_TIMEOUT_NONE);

    if (err < 0)
        return (int)err;
    if (m.id != BSTORE_WRITE_REPLY_ID || m.ndesc != 0) {
        ipc_msg_destroy(&m);
        return -ERR_IO;
    }
    return (int)(int64_t)m.w[0];
}

/* Wait for the oldest write on its way, and record its pages. */
static void dp_out_wait_oldest(void)
{
    uint32_t i = dp.first_out;

    dp_pages_written(&dp.out[i].p, dp_write_answer(dp.out[i].reply));
    dp.first_out = (i + 1) % dp.slots;
    dp.nout--;
}

/* Is a write on its way to one of the @n blocks from @first? */
static bool dp_out_overlaps(swap_blk_t first, uint32_t n)
{
    for (uint32_t k = 0; k < dp.nout; k++) {
        const struct dp_pages *p = &dp.out[(dp.first_out + k) % dp.slots].p;
        if (first < p->first + p->n && p->first < first + n)
            return true;
    }
    return false;
}

/*
 * Send the batch: its pages move to the server and the answer comes to a
 * reply port of its own, or, with none, is waited for.
 */
static void dp_batch_send(void)
{
    struct ipc_message m;
    const struct dp_pages *p = &dp.batch.p;

    if (p->n == 0)
        return;
    while (dp.nout > 0 && (dp.nout == dp.slots || dp_out_overlaps(p->first, p->n)))
        dp_out_wait_oldest();
    /* The pages move (a copy would need fresh frames, which pressure may
     * not have): the buffer's pages fault back in as the next batch fills. */
    if (dp.slots == 0) {
        dp_pages_written(p, bstore_write(dp.bstore, p->first, dp.batch.buf, p->n * PAGE_SIZE));
        dp.batch.p.n = 0;
        return;
    }
    uint32_t i = (dp.first_out + dp.nout) % dp.slots;
    int err = bstore_write_build(&m, dp.bstore, p->first, dp.batch.buf, p->n * PAGE_SIZE);
    m.local = dp.out[i].reply;
    m.local_disp = IPC_DISP_MAKE_SEND_ONCE;
    if (err == 0)
        err = (int)ipc_send(&m, IPC_TIMEOUT_NONE);
    if (err == 0) {
        dp.out[i].p = *p;
        dp.nout++;
    } else {
        dp_pages_written(p, err);
    }
    dp.batch.p.n = 0;
}

void dp_swap_flush(void)
{
    dp_batch_send();
    while (dp.nout > 0)
        dp_out_wait_oldest();
}

/* pager.on_idle: no message waits, so the batch goes now. */
static void dp_swap_idle(struct pager *pager)
{
    (void)pager;
    dp_swap_flush();
}

/* Add page @page of @obj (at @addr) for block @blk to the batch, which may go first. */
static void dp_batch_add(struct pager *pager, struct pager_object *obj, uint64_t page,
                         swap_blk_t blk, const void *addr)
{
    struct dp_pages *p = &dp.batch.p;
    uint32_t i = blk - p->first;

    if (p->n > 0 && blk >= p->first && i < p->n) {
        memcpy(dp.batch.buf + (uint64_t)i * PAGE_SIZE, addr, PAGE_SIZE); /* newer contents */
        return;
    }
    if (p->n == DP_WRITE_MAX || (p->n > 0 && blk != p->first + p->n))
        dp_batch_send();
    if (p->n == 0)
        p->first = blk;
    i = p->n++;
    memcpy(dp.batch.buf + (uint64_t)i * PAGE_SIZE, addr, PAGE_SIZE);
    p->of[i].obj = obj;
    p->of[i].page = page;
    pager->on_idle = dp_swap_idle;
    pager->idle_work = true;
}

/*
 * Put page @page of @o (mapped at @addr) in the batch (one serving thread);
 * false when it must stay in memory (swap full).
 */
static bool dp_write(struct pager *pager, struct pager_object *obj, struct dp_object *o,
                     uint64_t page, void *addr)
{
    swap_blk_t blk = dp_block_for_write(o, page);

    if (blk == SWAP_NONE) {
        dp_report_full(obj, page * PAGE_SIZE);
        return false;
    }
    __atomic_store_n(&dp.full_reported, false, __ATOMIC_RELAXED);
    dp_batch_add(pager, obj, page, blk, addr);
    return true;
}

/*
 * Pages being written straight to disk (several serving threads, no batch):
 * @n pages of @obj from page @page, at @addr, on blocks @blk onwards.
 */
struct dp_run {
    uint64_t page;
    swap_blk_t blk;
    uint32_t n;
    char *addr;
};

/* Write the run @r in one request (its pages move), and record where they are. */
static void dp_run_write(struct pager_object *obj, struct dp_run *r)
{
    if (r->n == 0)
        return;
    int err = bstore_write(dp.bstore, r->blk, r->addr, (uint64_t)r->n * PAGE_SIZE);
    for (uint32_t k = 0; k < r->n; k++)
        dp_written(obj, r->page + k, r->blk + k, err);
    r->n = 0;
}

/*
 * Page @page of @o at @addr joins the run @r of pages written together
 * when its block follows the run's (fresh blocks come in order, so the
 * pages of one return mostly do), else the run goes first. False when it
 * must stay in memory (swap full).
 */
static bool dp_run_add(struct pager_object *obj, struct dp_object *o, struct dp_run *r,
                       uint64_t page, char *addr)
{
    swap_blk_t blk = dp_block_for_write(o, page);

    if (blk == SWAP_NONE) {
        dp_run_write(obj, r);
        dp_report_full(obj, page * PAGE_SIZE);
        return false;
    }
    __atomic_store_n(&dp.full_reported, false, __ATOMIC_RELAXED);
    if (r->n > 0 && r->n < DP_WRITE_MAX && blk == r->blk + r->n && page == r->page + r->n) {
        r->n++;
        return true;
    }
    dp_run_write(obj, r);
    *r = (struct dp_run){.page = page, .blk = blk, .n = 1, .addr = addr};
    return true;
}

void dp_swap_return(struct pager *pager, struct pager_object *obj, uint64_t offset, uint64_t dirty,
                    void *pages, uint64_t size)
{
    struct dp_object *o = obj->data;
    uint64_t npages = size / PAGE_SIZE, first = offset / PAGE_SIZE;
    bool batch = pager->single_thread && dp.batch.buf != NULL;
    struct dp_run run = {0};

    if (offset % PAGE_SIZE != 0 || first >= o->npages || npages > o->npages - first) {
        sys_vm_deallocate(pages, size);
        return;
    }
    for (uint64_t i = 0; i < npages; i++) {
        char *addr = (char *)pages + i * PAGE_SIZE;
        bool modified = i < 64 && (dirty >> i) & 1u;
        if (!modified && dp_block_of(o, first + i) != SWAP_NONE) {
            dp_run_write(obj, &run);
            continue; /* its block still holds it */
        }
        if (batch ? !dp_write(pager, obj, o, first + i, addr)
                  : !dp_run_add(obj, o, &run, first + i, addr)) {
            /* Swap full: this page (and the rest of its region) stays in memory. */
            pager_pages_keep(obj, offset + i * PAGE_SIZE, addr, size - i * PAGE_SIZE);
            if (i > 0)
                printf("default_pager: %lu pages of a return kept in part\n",
                       (unsigned long)npages);
            return;
        }
    }
    dp_run_write(obj, &run);
    sys_vm_deallocate(pages, size); /* the region is empty now, or held only clean pages */
}

int dp_swap_evacuate(struct pager *pager, struct pager_object *obj, uint64_t count, bool first)
{
    struct dp_object *o = obj->data;
    uint64_t handed = 0;

    (void)pager;
    dp_swap_flush();
    if (o != NULL && first)
        o->evacuated = 0;
    for (; o != NULL && o->evacuated < o->npages && handed < count; o->evacuated++) {
        uint64_t page = o->evacuated, at = page * PAGE_SIZE;
        swap_blk_t blk = dp_block_of(o, page);
        if (bit_get(o->lost, page)) {
            printf("default_pager: object %lu offset %lx was lost: not handed over\n",
                   (unsigned long)obj->id, (unsigned long)at);
        } else if (blk != SWAP_NONE && pager_store_lookup(&obj->store, at) == NULL) {
            dp_read_supply(obj, at, blk, 1, PAGER_SUPPLY_PRECIOUS, false);
            handed++;
        }
    }
    if (o != NULL && o->evacuated < o->npages)
        return EVACUATE_MORE;
    /* Then the pages kept in memory while swap was full. */
    return pager_pages_evacuate(obj, count - handed);
}

void dp_swap_terminate(struct pager *pager, struct pager_object *obj)
{
    struct dp_object *o = obj->data;

    (void)pager;
    if (o == NULL)
        return;
    dp_swap_flush(); /* the batch names the object */
    pager_spin_lock(&dp.lock);
    if (o->has_map) /* its owner's count goes down by the blocks it held */
        swap_map_release(&dp.space, &o->map);
    int64_t area = o->area.npages;
    if (swap_area_release(&dp.space, &o->area) == 0)
        dp_area_charge(o, -area);
    pager_spin_unlock(&dp.lock);
    if (o->on_disk != NULL)
        pager_mem_free(o->on_disk, bitmap_bytes(o));
    if (o->lost != NULL)
        pager_mem_free(o->lost, bitmap_bytes(o));
    pager_mem_free(o, sizeof(*o));
    obj->data = NULL;
}

void dp_swap_stats(struct pager *pager, struct pager_store_stats *out)
{
    struct swap_stats st;

    (void)pager;
    pager_spin_lock(&dp.lock);
    swap_stats_get(&dp.space, &st);
    pager_spin_unlock(&dp.lock);
    out->disk = 1;
    out->blocks = st.nblocks;
    out->used = st.nblocks - st.free_blocks;
    out->stored = out->used; /* with static areas: the blocks the areas reserve */
    out->writes = __atomic_load_n(&dp.writes, __ATOMIC_RELAXED);
    out->reads = __atomic_load_n(&dp.reads, __ATOMIC_RELAXED);
    out->kept = __atomic_load_n(&dp.kept, __ATOMIC_RELAXED);
    out->owner_blocks = 1;
}

int dp_swap_open(const char *who, int argc, char **argv)
{
    port_name_t bstore;
    const char *placement = cmdline_option(argc, argv, "placement");
    int err = naming_lookup(ipc_bootstrap_port, "bstore", &bstore);

    if (err == 0)
        err = dp_swap_init(bstore, placement != NULL && strcmp(placement, "static") == 0,
                           DP_WRITES_DEFAULT);
    if (err < 0)
        printf("%s: swap store: %s\n", who, err_text(err));
    return err;
}

const struct pager_ops dp_swap_ops = {
    .on_init = dp_swap_object_init,
    .on_data_request = dp_swap_request,
    .on_data_return = dp_swap_return,
    .on_terminate = dp_swap_terminate,
    .on_store_stats = dp_swap_stats,
    .on_evacuate = dp_swap_evacuate,
};
