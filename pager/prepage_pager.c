/*
 * The prepaging pager (section 3.6: demand paging against prepaging, working
 * sets): the default pager's stores (default_pager_swap.c, and the RAM store
 * of the framework), with two kinds of prepaging on the swap disk.
 * Clustering: a fault brings the pages around it that lie on consecutive
 * blocks, within an aligned window of PP_CLUSTER pages, in one backing-store
 * read and one supply; the kernel says which pages around the fault it does
 * not hold (MEMORY_OBJECT_READY_CLUSTER), so a cluster is never refused for a
 * resident page. Working sets: the pages of an object that pageout returned
 * together (no request in between) are recorded, and when the task faults
 * on one of them again, the others come back with it, ahead of the answer
 * (PAGER_SUPPLY_PREFETCH), read in runs of consecutive blocks. Arguments as
 * the default pager's: "store=disk", "placement=static", "name=NAME"; it
 * registers as "prepage_pager" and init makes it the default pager
 * (pager=prepage_pager). docs/pagers.md.
 */
#include "default_pager.h"

#include <abi/pager.h>
#include <ipc/fmt.h>
#include <ipc/ipc.h>
#include <ipc/prefault.h>
#include <ipc/string.h>
#include <ipc/sys.h>
#include <lib/cmdline.h>
#include <lib/lib.h>
#include <naming_defs.h>

#define PP_NAME "prepage_pager"
#define PP_RESERVE (2ul << 20) /* the framework's bookkeeping, touched at start */
#define PP_STACK_TOUCH (16 * 1024)
#define PP_CLUSTER 16u    /* pages of a cluster's aligned window (a backing-store read) */
#define PP_WS_PAGES 64u   /* pages of a working set recorded per object, at most */
#define PP_WS_OBJECTS 64u /* objects whose working set is recorded at once */

/* The working set of one object: the pages pageout returned together. */
struct pp_ws {
    struct pager_object *obj; /* NULL: a free slot */
    uint64_t used;            /* when it was last recorded into (pp.clock) */
    bool open;                /* no request since the last return: returns add to it */
    unsigned n;
    uint64_t offsets[PP_WS_PAGES];
};

static struct {
    struct pager pager;
    pager_spin_t lock; /* the working-set table */
    uint64_t clock;
    struct pp_ws ws[PP_WS_OBJECTS];
} pp;

/* @obj's working-set slot, or NULL; with @make, a free or the oldest slot becomes its. */
static struct pp_ws *pp_ws_of(struct pager_object *obj, bool make)
{
    struct pp_ws *oldest = &pp.ws[0];

    for (unsigned i = 0; i < PP_WS_OBJECTS; i++) {
        if (pp.ws[i].obj == obj)
            return &pp.ws[i];
        if (pp.ws[i].obj == NULL || pp.ws[i].used < oldest->used)
            oldest = &pp.ws[i];
    }
    if (!make)
        return NULL;
    *oldest = (struct pp_ws){.obj = obj};
    return oldest;
}

/* on_data_return: the pages join the object's working set, then go to the disk store. */
static void pp_return(struct pager *pager, struct pager_object *obj, uint64_t offset,
                      uint64_t dirty, void *pages, uint64_t size)
{
    pager_spin_lock(&pp.lock);
    struct pp_ws *ws = pp_ws_of(obj, true);
    if (!ws->open)
        ws->n = 0; /* a request came since: a new push-out starts a new set */
    ws->open = true;
    ws->used = ++pp.clock;
    for (uint64_t at = offset; at < offset + size && ws->n < PP_WS_PAGES; at += PAGE_SIZE)
        ws->offsets[ws->n++] = at;
    pager_spin_unlock(&pp.lock);
    dp_swap_return(pager, obj, offset, dirty, pages, size);
}

/*
 * Take the recorded working set of @obj if it holds @offset (the task came
 * back to it): its pages outside [@lo, @hi) (the cluster's window) go to
 * @out, at most PP_WS_PAGES, and the set is forgotten. Returns how many.
 */
static unsigned pp_ws_take(struct pager_object *obj, uint64_t offset, uint64_t lo, uint64_t hi,
                           uint64_t *out)
{
    unsigned n = 0;
    bool holds = false;

    pager_spin_lock(&pp.lock);
    struct pp_ws *ws = pp_ws_of(obj, false);
    for (unsigned i = 0; ws != NULL && i < ws->n; i++)
        holds |= ws->offsets[i] == offset;
    for (unsigned i = 0; holds && i < ws->n; i++)
        if (ws->offsets[i] < lo || ws->offsets[i] >= hi)
            out[n++] = ws->offsets[i];
    if (ws != NULL) {
        ws->open = false;
        if (holds)
            ws->n = 0;
    }
    pager_spin_unlock(&pp.lock);
    return n;
}

/*
 * Supply the @n pages at @offs (blocks @blks, consecutive) read in one
 * backing-store request, each flagged PAGER_SUPPLY_PREFETCH: the kernel
 * takes them while the fault's request waits, and refuses one it holds;
 * and PAGER_SUPPLY_MAP: it maps them, so the task finds its working set
 * in place rather than faulting on each page of it.
 */
static void pp_prefetch_run(struct pager_object *obj, const uint64_t *offs, swap_blk_t blk,
                            unsigned n)
{
    void *pages;

    if (dp_swap_read(blk, n, &pages) != 0)
        return;
    for (unsigned i = 0; i < n; i++) /* refused: resident already, or the fault was answered */
        pager_data_supply(obj, offs[i], (char *)pages + i * PAGE_SIZE, PAGE_SIZE,
                          PAGER_SUPPLY_PREFETCH | PAGER_SUPPLY_MAP);
    sys_vm_deallocate(pages, n * PAGE_SIZE);
}

/*
 * Bring the working set of @obj back if the fault at @offset is on it: its
 * pages on the disk, in runs of consecutive blocks (pageout wrote the set
 * together, so its blocks mostly follow each other), one read per run.
 */
static void pp_ws_prepage(struct pager_object *obj, uint64_t offset, uint64_t lo, uint64_t hi)
{
    uint64_t offs[PP_WS_PAGES];
    unsigned n = pp_ws_take(obj, offset, lo, hi, offs), run = 0;
    swap_blk_t first = SWAP_NONE;

    for (unsigned i = 0; i <= n; i++) {
        swap_blk_t blk = i < n ? dp_swap_block(obj, offs[i]) : SWAP_NONE;
        if (run > 0 && (blk == SWAP_NONE || blk != first + run || run == PP_CLUSTER)) {
            pp_prefetch_run(obj, offs + i - run, first, run);
            run = 0;
        }
        if (blk == SWAP_NONE)
            continue;
        if (run == 0)
            first = blk;
        run++;
    }
}

/*
 * The first page of the cluster around page @page: the furthest page back,
 * not before @lo, from which the pages up to @page lie on consecutive
 * blocks; @page itself when none does.
 */
static uint64_t pp_cluster_start(struct pager_object *obj, uint64_t page, uint64_t lo)
{
    for (uint64_t start = lo; start < page; start++)
        if (dp_swap_run(obj, start * PAGE_SIZE, page - start + 1) == page - start + 1)
            return start;
    return page;
}

/*
 * on_data_request on the disk store: the working set first (while the fault
 * waits, so the kernel takes it), then the cluster around the page, read
 * and supplied whole, then the rest of what the kernel asked for as the
 * default pager answers it (pages kept in memory, zero fill, errors).
 */
static void pp_request(struct pager *pager, struct pager_object *obj, uint64_t offset,
                       uint64_t count, unsigned access)
{
    uint64_t page = offset / PAGE_SIZE, end = offset + count;
    uint64_t window = page - page % PP_CLUSTER;
    uint64_t before = MEMORY_OBJECT_CLUSTER_BEFORE(access);
    uint64_t after = MEMORY_OBJECT_CLUSTER_AFTER(access);
    uint64_t lo = page - MIN(before, page - window);
    uint64_t hi = MIN(window + PP_CLUSTER, page + after + 1);

    if (hi < end / PAGE_SIZE) /* the kernel's range: never past its hint */
        hi = end / PAGE_SIZE;
    uint64_t start = pp_cluster_start(obj, page, lo);
    uint64_t n = dp_swap_run(obj, start * PAGE_SIZE, hi - start);
    /* The working set, but for what this answer covers: the run and the kernel's range. */
    pp_ws_prepage(obj, offset, MIN(start * PAGE_SIZE, offset), MAX((start + n) * PAGE_SIZE, end));
    if (n > page - start) { /* the run holds the page: one read, one supply */
        dp_swap_supply_run(obj, start * PAGE_SIZE, n, access & MEMORY_OBJECT_ACCESS_TRACED);
        offset = (start + n) * PAGE_SIZE;
    }
    if (offset < end)
        dp_swap_request(pager, obj, offset, end - offset, access);
}

/* on_terminate: the working set goes with the object's blocks. */
static void pp_terminate(struct pager *pager, struct pager_object *obj)
{
    pager_spin_lock(&pp.lock);
    struct pp_ws *ws = pp_ws_of(obj, false);
    if (ws != NULL)
        ws->obj = NULL;
    pager_spin_unlock(&pp.lock);
    dp_swap_terminate(pager, obj);
}

static const struct pager_ops pp_disk_ops = {
    .on_init = dp_swap_object_init,
    .on_data_request = pp_request,
    .on_data_return = pp_return,
    .on_terminate = pp_terminate,
    .on_store_stats = dp_swap_stats,
    .on_evacuate = dp_swap_evacuate,
};

/* Without a disk: the RAM store answers the kernel's range (runs included). */
static const struct pager_ops pp_ram_ops = {
    .on_data_request = pager_pages_on_request,
};

int main(int argc, char **argv)
{
    const char *store = cmdline_option(argc, argv, "store");
    bool disk = store != NULL && strcmp(store, "disk") == 0;
    int err = 0;

    pager_cpu_from_args(argc, argv);

    prefault_image();
    prefault_stack(PP_STACK_TOUCH);
    err = pager_mem_add_touched(PP_RESERVE);
    if (err == 0 && disk)
        err = dp_swap_open(PP_NAME, argc, argv);
    if (err == 0)
        err = pager_init(&pp.pager, disk ? &pp_disk_ops : &pp_ram_ops, NULL, PORT_NULL);
    if (err < 0) {
        printf(PP_NAME ": setup failed: %s\n", err_text(err));
        return 1;
    }
    pp.pager.ready_attributes = MEMORY_OBJECT_READY_CLUSTER; /* hints in every request */
    /* "name=NAME": a second instance (a standby, the conformance suite's victim). */
    const char *name = cmdline_option(argc, argv, "name");
    if (name == NULL || *name == '\0')
        name = PP_NAME;
    if (ipc_bootstrap_port != PORT_NULL && (err = pager_register(&pp.pager, name)) < 0)
        printf(PP_NAME ": pager_register: %s\n", err_text(err));
    printf(PP_NAME ": %s\n", disk ? "clusters of 16 pages and working sets from the swap disk"
                                  : "no disk: the RAM store, no prepaging");
    err = pager_serve(&pp.pager, 1);
    printf(PP_NAME ": stopped: %s\n", err_text(err));
    return 1;
}
