/*
 * The compressed pager (the idea of Linux's zswap and zram): pages returned
 * by pageout are compressed with LZ4 (Debian's liblz4.a) into a bounded pool
 * in this task's memory (zpool/), and a fault on one of them is served by
 * decompressing it, with no disk access. A page that is all zeros is
 * recorded as nothing (the kernel zero fills it). A page that does not
 * compress below the threshold is rejected: with a swap disk it goes there
 * uncompressed, without one it stays in memory as a full store keeps it.
 * When the pool is full, its oldest pages go to the swap disk (the default
 * pager's disk store, default_pager_swap.c, through the backing-store
 * server), so the pager is a two-tier store; without a disk a full pool
 * refuses new pages the way the default pager's full swap does (they stay
 * in memory and pageout is told the store is full). A page lives in one
 * place only: the pool, the disk, or the memory of a full store.
 * Arguments: "store=disk" (the second tier; from swap=disk),
 * "placement=static" (its placement), "pool=PAGES" (the pool's size in
 * pages, default a sixteenth of memory; from pager_pool=N), "threshold=BYTES"
 * (largest compressed page the pool takes, default 3/4 of a page). It serves
 * with one thread, registers as "compressed_pager", and init makes it the
 * default pager (pager=compressed_pager). docs/pagers.md.
 */
#include "default_pager.h"
#include "zpool.h"

#include <ipc/fmt.h>
#include <ipc/ipc.h>
#include <ipc/prefault.h>
#include <ipc/string.h>
#include <ipc/sys.h>
#include <lib/cmdline.h>
#include <lib/hash.h>
#include <lib/lib.h>
#include <lz4.h>
#include <naming_defs.h>

#define CP_NAME "compressed_pager"
#define CP_RESERVE (2ul << 20) /* the framework's bookkeeping, touched at start */
#define CP_STACK_TOUCH (16 * 1024)
#define CP_POOL_FRACTION 16u     /* default pool: the machine's frames / 16 */
#define CP_ENTRY_POOL_BYTES 128u /* an entry per 128 bytes of pool: pages smaller share */
#define CP_NONE UINT32_MAX

/* A page held compressed in the pool. */
struct cp_entry {
    uint64_t key;          /* cp_key: object id and page */
    struct hash_link link; /* cp.index */
    struct pager_object *obj;
    uint32_t older, newer; /* the pool's FIFO (entry indices), CP_NONE at its ends */
    uint32_t handle;       /* where its bytes are (zpool) */
    uint32_t len;          /* compressed bytes */
};

static struct {
    struct pager pager;
    bool disk; /* the second tier is there */
    struct zpool pool;
    struct hash_table index;   /* struct cp_entry by key */
    struct cp_entry *entries;  /* nentries */
    uint32_t nentries, unused; /* unused: free entries, linked by their newer field */
    uint32_t oldest, newest;
    uint32_t threshold; /* a page compressed to more bytes is rejected */
    char *buf;          /* one page: supplies and evictions decompress into it (it moves) */
    /* Figures (pager_stats pool): pages and their original bytes in the pool, pool hits,
     * zero pages, rejected pages, pages evicted to disk, pages kept in memory (no room). */
    uint64_t pages, original, hits, zero, rejected, evicted, kept;
    bool full_reported;
} cp;

static LZ4_stream_t cp_lz4;       /* the compressor's state, not 16 KiB of stack */
static char cp_packed[PAGE_SIZE]; /* a page compressed, before it goes into the pool */

static const struct hash_type cp_index_type = {
    .key_offset = HASH_KEY_OFFSET(struct cp_entry, key, link),
    .key_shift = 0,
    .order_min = 8,
    .order_max = 17, /* the largest bucket array fits a 1 MiB block */
    .zalloc = pager_mem_zalloc,
    .free = pager_mem_free,
};

/* The index key of page @offset of @obj in *@key; false when it has none (too large). */
static bool cp_key(const struct pager_object *obj, uint64_t offset, uint64_t *key)
{
    uint64_t page = offset / PAGE_SIZE;

    if (obj->id >= (1ull << 32) || page >= (1ull << 32))
        return false;
    *key = obj->id << 32 | page;
    return true;
}

/* The pool's entry for page @offset of @obj, or NULL. */
static struct cp_entry *cp_lookup(const struct pager_object *obj, uint64_t offset)
{
    uint64_t key;
    struct hash_link *link = cp_key(obj, offset, &key) ? hash_lookup(&cp.index, key) : NULL;

    return link != NULL ? hash_entry(link, struct cp_entry, link) : NULL;
}

static uint32_t cp_index_of(const struct cp_entry *e)
{
    return (uint32_t)(e - cp.entries);
}

/* The object's page offset of entry @e. */
static uint64_t cp_offset(const struct cp_entry *e)
{
    return (e->key & 0xffffffffu) * PAGE_SIZE;
}

/* Take @e out of the pool: its bytes, the index and the FIFO. */
static void cp_drop(struct cp_entry *e)
{
    uint32_t i = cp_index_of(e);

    zpool_free(&cp.pool, e->handle);
    hash_remove(&cp.index, e->key);
    if (e->older != CP_NONE)
        cp.entries[e->older].newer = e->newer;
    else
        cp.oldest = e->newer;
    if (e->newer != CP_NONE)
        cp.entries[e->newer].older = e->older;
    else
        cp.newest = e->older;
    cp.pages--;
    cp.original -= PAGE_SIZE;
    e->obj = NULL;
    e->newer = cp.unused;
    cp.unused = i;
}

/* Decompress @e into @page; false (logged) if its bytes are broken, which is a bug. */
static bool cp_unpack(const struct cp_entry *e, char *page)
{
    int n = LZ4_decompress_safe(zpool_map(&cp.pool, e->handle), page, (int)e->len, PAGE_SIZE);

    if (n == PAGE_SIZE)
        return true;
    printf(CP_NAME ": object %lu offset %lx: pool copy broken (%d)\n", (unsigned long)e->obj->id,
           (unsigned long)cp_offset(e), n);
    return false;
}

/*
 * Make room: the pool's oldest page goes to the swap disk (decompressed into
 * a page of its own, which the disk store takes). False when there is no
 * disk, the pool is empty or the disk is full.
 */
static bool cp_evict_oldest(void)
{
    struct pager_store_stats st = {0};

    if (!cp.disk || cp.oldest == CP_NONE)
        return false;
    dp_swap_stats(&cp.pager, &st);
    if (st.used >= st.blocks)
        return false;
    struct cp_entry *e = &cp.entries[cp.oldest];
    struct pager_object *obj = e->obj;
    uint64_t at = cp_offset(e);
    long page = sys_vm_allocate(PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE);
    if (page < 0)
        return false;
    bool ok = cp_unpack(e, (char *)page);
    cp_drop(e);
    if (!ok) {
        sys_vm_deallocate((void *)page, PAGE_SIZE);
        return true;
    }
    cp.evicted++;
    dp_swap_return(&cp.pager, obj, at, 1, (void *)page, PAGE_SIZE); /* it owns the page now */
    return true;
}

/*
 * Store the @len bytes of cp_packed as page @offset of @obj (which has no
 * entry), making room by evicting the oldest pages. False when it cannot.
 */
static bool cp_pool_store(struct pager_object *obj, uint64_t offset, uint32_t len)
{
    uint64_t key;
    uint32_t handle;
    int err;

    if (!cp_key(obj, offset, &key))
        return false;
    while (cp.unused == CP_NONE)
        if (!cp_evict_oldest())
            return false;
    while ((err = zpool_alloc(&cp.pool, len, &handle)) == -ERR_NOMEM)
        if (!cp_evict_oldest())
            return false;
    if (err < 0)
        return false;
    uint32_t i = cp.unused;
    struct cp_entry *e = &cp.entries[i];
    cp.unused = e->newer;
    *e = (struct cp_entry){
        .key = key, .obj = obj, .older = cp.newest, .newer = CP_NONE, .handle = handle, .len = len};
    memcpy(zpool_map(&cp.pool, handle), cp_packed, len);
    hash_insert(&cp.index, &e->link);
    if (cp.newest != CP_NONE)
        cp.entries[cp.newest].newer = i;
    else
        cp.oldest = i;
    cp.newest = i;
    cp.pages++;
    cp.original += PAGE_SIZE;
    return true;
}

static bool cp_is_zero(const void *page)
{
    const uint64_t *w = page;

    for (uint64_t i = 0; i < PAGE_SIZE / 8; i++)
        if (w[i] != 0)
            return false;
    return true;
}

/*
 * No room anywhere (no disk, pool full or page rejected): the page at @addr,
 * a one-page region, stays in memory, and pageout is told the store is
 * full (logged once per episode), as the default pager does.
 */
static void cp_keep(struct pager_object *obj, uint64_t offset, void *addr)
{
    cp.kept++;
    pager_pages_keep(obj, offset, addr, PAGE_SIZE);
    pager_store_full(obj, true);
    if (!cp.full_reported)
        printf(CP_NAME ": store full: object %lu offset %lx stays in memory\n",
               (unsigned long)obj->id, (unsigned long)offset);
    cp.full_reported = true;
}

/*
 * Store returned page @addr at @offset of @obj: zero, pool, disk or memory.
 * *@taken: the disk or memory tier took it (the page at @addr, or, when
 * @in_region, a copy: one page of a larger region cannot be given back
 * alone, vm_deallocate takes whole regions; *@in_place when no frame was
 * left for the copy and the region must stay for this page).
 */
static void cp_store(struct pager_object *obj, uint64_t offset, char *addr, bool in_region,
                     bool *taken, bool *in_place)
{
    if (cp_is_zero(addr)) { /* costs nothing: the kernel zero fills it */
        cp.zero++;
        if (cp.disk)
            dp_swap_discard(obj, offset);
        return;
    }
    int len = LZ4_compress_fast_extState(&cp_lz4, addr, cp_packed, PAGE_SIZE, (int)cp.threshold, 1);
    if (len > 0 && cp_pool_store(obj, offset, (uint32_t)len)) {
        cp.full_reported = false;
        if (cp.disk)
            dp_swap_discard(obj, offset);
        return;
    }
    if (len <= 0)
        cp.rejected++;
    /* The page itself goes on (a copy would take a frame just when memory
     * is shortest); the store owns its address now. A page of a larger
     * region goes on as a copy of its own, the region is given back whole. */
    *taken = true;
    if (in_region) {
        long copy = sys_vm_allocate(PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE);
        if (copy > 0) {
            memcpy((void *)copy, addr, PAGE_SIZE);
            addr = (char *)copy;
        } else {
            *in_place = true;
        }
    }
    if (cp.disk)
        dp_swap_return(&cp.pager, obj, offset, 1, addr, PAGE_SIZE); /* written, or kept if full */
    else
        cp_keep(obj, offset, addr);
}

/* on_data_return: each modified page to the pool (or zero, disk, memory); clean ones still held
 * stay. */
static void cp_return(struct pager *pager, struct pager_object *obj, uint64_t offset,
                      uint64_t dirty, void *pages, uint64_t size)
{
    (void)pager;
    if (offset % PAGE_SIZE != 0 || size % PAGE_SIZE != 0 || offset >= obj->size ||
        size > obj->size - offset) {
        sys_vm_deallocate(pages, size);
        return;
    }
    /* A lone page goes, or stays with its tier, at once; a region of several
     * (pageout gathers up to 16 consecutive pages) goes whole at the end,
     * the pages a tier took having been copied out of it. */
    bool in_region = size > PAGE_SIZE, in_place = false;
    for (uint64_t i = 0; i < size / PAGE_SIZE; i++) {
        uint64_t at = offset + i * PAGE_SIZE;
        char *addr = (char *)pages + i * PAGE_SIZE;
        bool modified = i < 64 && (dirty >> i) & 1u, taken = false;
        struct cp_entry *e = cp_lookup(obj, at);
        if (modified || (e == NULL && !(cp.disk && dp_swap_has(obj, at)))) {
            if (e != NULL)
                cp_drop(e);
            cp_store(obj, at, addr, in_region, &taken, &in_place);
        } /* else the copy held is still valid */
        if (!taken && !in_region)
            sys_vm_deallocate(addr, PAGE_SIZE);
    }
    if (in_region && !in_place)
        sys_vm_deallocate(pages, size);
}

/* Answer [@start, @end) from the other tiers: the disk store, or the memory of a full store. */
static void cp_request_rest(struct pager *pager, struct pager_object *obj, uint64_t start,
                            uint64_t end, unsigned access)
{
    if (start >= end)
        return;
    if (cp.disk)
        dp_swap_request(pager, obj, start, end - start, access);
    else
        pager_pages_request(obj, start, end - start); /* the pages kept are their only copy */
}

/* Supply the pool's page @e with @flags from the supply buffer (the pool keeps its copy). */
static void cp_supply(struct pager_object *obj, const struct cp_entry *e, unsigned flags)
{
    uint64_t at = cp_offset(e);

    if (!cp_unpack(e, cp.buf)) {
        pager_data_error(obj, at, PAGE_SIZE, -ERR_IO);
        return;
    }
    int err = pager_data_supply_copy(obj, at, cp.buf, PAGE_SIZE, flags);
    if (err == -ERR_NOMEM) /* no frame for the copy: move the buffer's page (it faults back in) */
        err = pager_data_supply(obj, at, cp.buf, PAGE_SIZE, flags);
    if (err < 0 && err != -ERR_BUSY) /* busy: resident already, the kernel's copy stands */
        printf(CP_NAME ": supply %lx: %s\n", (unsigned long)at, err_text(err));
}

/* on_data_request: pages in the pool are decompressed; the rest come from the other tiers. */
static void cp_request(struct pager *pager, struct pager_object *obj, uint64_t offset,
                       uint64_t count, unsigned access)
{
    uint64_t end = offset + count, rest = offset;

    for (uint64_t at = offset; at < end; at += PAGE_SIZE) {
        struct cp_entry *e = cp_lookup(obj, at);
        if (e == NULL)
            continue;
        cp_request_rest(pager, obj, rest, at, access);
        rest = at + PAGE_SIZE;
        cp.hits++;
        cp_supply(obj, e, 0); /* not precious: the pool's copy stays valid */
    }
    cp_request_rest(pager, obj, rest, end, access);
}

/*
 * Hand at most @max pool pages of @obj to the kernel (precious, they leave
 * the pool) when @supply, else just drop them. Returns the pages handled;
 * *@more is set when the object still has pages in the pool.
 */
static uint64_t cp_pool_release(struct pager_object *obj, uint64_t max, bool supply, bool *more)
{
    uint64_t n = 0;

    *more = false;
    for (uint32_t i = cp.oldest, next; i != CP_NONE; i = next) {
        struct cp_entry *e = &cp.entries[i];
        next = e->newer;
        if (e->obj != obj)
            continue;
        if (n == max) {
            *more = true;
            break;
        }
        if (supply)
            cp_supply(obj, e, PAGER_SUPPLY_PRECIOUS);
        cp_drop(e);
        n++;
    }
    return n;
}

/* on_evacuate: the pool's pages first, then those of the disk or memory. */
static int cp_evacuate(struct pager *pager, struct pager_object *obj, uint64_t count, bool first)
{
    bool more;
    uint64_t handed = cp_pool_release(obj, count, true, &more);
    int status = cp.disk ? dp_swap_evacuate(pager, obj, count - handed, first)
                         : pager_pages_evacuate(obj, count - handed);

    return more ? (int)EVACUATE_MORE : status;
}

static int cp_object_init(struct pager *pager, struct pager_object *obj)
{
    return cp.disk ? dp_swap_object_init(pager, obj) : 0;
}

/* on_terminate: the object's pool pages go, then its disk blocks. */
static void cp_terminate(struct pager *pager, struct pager_object *obj)
{
    bool more;

    cp_pool_release(obj, UINT64_MAX, false, &more);
    if (cp.disk)
        dp_swap_terminate(pager, obj);
}

/* on_store_stats: the disk's figures and the pool's. */
static void cp_stats(struct pager *pager, struct pager_store_stats *out)
{
    if (cp.disk)
        dp_swap_stats(pager, out);
    out->stored += cp.pages;
    out->kept += cp.kept;
    out->pool_bytes = cp.pool.bytes;
    out->pool_capacity = (uint64_t)cp.pool.nchunks * ZPOOL_CHUNK;
    out->pool_pages = cp.pages;
    out->pool_original = cp.original;
    out->pool_hits = cp.hits;
    out->pool_zero = cp.zero;
    out->pool_rejected = cp.rejected;
    out->pool_evicted = cp.evicted;
}

static const struct pager_ops cp_ops = {
    .on_init = cp_object_init,
    .on_data_request = cp_request,
    .on_data_return = cp_return,
    .on_terminate = cp_terminate,
    .on_evacuate = cp_evacuate,
    .on_store_stats = cp_stats,
};

/* @bytes of fresh memory, touched now (this task must not fault on it while it serves), or NULL. */
static void *cp_touched(uint64_t bytes)
{
    long base = sys_vm_allocate(bytes, VM_PROT_READ | VM_PROT_WRITE);

    if (base < 0)
        return NULL;
    for (uint64_t off = 0; off < bytes; off += PAGE_SIZE)
        ((volatile char *)base)[off] = 0;
    return (void *)base;
}

/* Option @key as a number in [@min, @max], else @def. */
static uint64_t cp_option(int argc, char **argv, const char *key, uint64_t min, uint64_t max,
                          uint64_t def)
{
    const char *v = cmdline_option(argc, argv, key);
    uint64_t n;

    return v != NULL && parse_u64(v, &n) && n >= min && n <= max ? n : def;
}

/* store=disk: the default pager's disk store behind the pool. */
static int cp_disk_init(int argc, char **argv)
{
    port_name_t bstore;
    const char *placement = cmdline_option(argc, argv, "placement");
    int err = naming_lookup(ipc_bootstrap_port, "bstore", &bstore);

    if (err == 0)
        err = dp_swap_init(bstore, placement != NULL && strcmp(placement, "static") == 0,
                           1); /* one: the pool grows from the reserve the writes hold */
    cp.disk = err == 0;
    return err;
}

/* The pool of @pages pages and its entries, the index and the supply buffer. */
static int cp_pool_init(uint64_t pages)
{
    uint64_t bytes = pages * PAGE_SIZE / ZPOOL_CHUNK * ZPOOL_CHUNK;
    void *base = cp_touched(bytes);
    struct zpool_chunk *table = pager_mem_alloc(zpool_chunks_for(bytes) * sizeof(*table));

    cp.nentries = (uint32_t)(bytes / CP_ENTRY_POOL_BYTES);
    cp.entries = cp_touched(cp.nentries * sizeof(struct cp_entry));
    cp.buf = cp_touched(PAGE_SIZE);
    if (base == NULL || table == NULL || cp.entries == NULL || cp.buf == NULL ||
        !hash_init(&cp.index, &cp_index_type))
        return -ERR_NOMEM;
    zpool_init(&cp.pool, base, bytes, table);
    for (uint32_t i = 0; i < cp.nentries; i++)
        cp.entries[i].newer = i + 1 < cp.nentries ? i + 1 : CP_NONE;
    cp.unused = 0;
    cp.oldest = cp.newest = CP_NONE;
    return 0;
}

int main(int argc, char **argv)
{
    struct vm_stat vm;
    void *arena;
    int err = 0;

    pager_cpu_from_args(argc, argv);

    prefault_image();
    prefault_stack(CP_STACK_TOUCH);
    /* A sixteenth of memory by default; at least one chunk, at most half of memory. */
    uint64_t frames = sys_vm_stat(&vm) == 0 ? vm.frames_total : 4096;
    uint64_t pool = cp_option(argc, argv, "pool", ZPOOL_CHUNK / PAGE_SIZE, frames / 2,
                              frames / CP_POOL_FRACTION);
    cp.threshold = (uint32_t)cp_option(argc, argv, "threshold", 64, PAGE_SIZE, PAGE_SIZE * 3 / 4);
    if ((arena = cp_touched(CP_RESERVE)) == NULL)
        err = -ERR_NOMEM;
    else
        pager_mem_add(arena, CP_RESERVE);
    if (err == 0)
        err = cp_pool_init(pool);
    const char *store = cmdline_option(argc, argv, "store");
    if (err == 0 && store != NULL && strcmp(store, "disk") == 0)
        err = cp_disk_init(argc, argv);
    if (err == 0)
        err = pager_init(&cp.pager, &cp_ops, NULL, PORT_NULL);
    if (err < 0) {
        printf(CP_NAME ": setup failed: %s\n", err_text(err));
        return 1;
    }
    /* "name=NAME": a second instance (a standby, the conformance suite's victim). */
    const char *name = cmdline_option(argc, argv, "name");
    if (name == NULL || *name == '\0')
        name = CP_NAME;
    if (ipc_bootstrap_port != PORT_NULL && (err = pager_register(&cp.pager, name)) < 0)
        printf(CP_NAME ": pager_register: %s\n", err_text(err));
    printf(CP_NAME ": a pool of %lu KiB (pages over %u bytes compressed rejected), %s\n",
           (unsigned long)(cp.pool.nchunks * (ZPOOL_CHUNK / 1024)), cp.threshold,
           cp.disk ? "oldest pages to the swap disk" : "no disk");
    err = pager_serve(&cp.pager, 1);
    printf(CP_NAME ": stopped: %s\n", err_text(err));
    return 1;
}
