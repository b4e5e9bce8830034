/*
 * The policy pager (section 3.6.2: the replacement policy in user space, the
 * R and M bits passed up; local page allocation): the default pager's stores
 * (default_pager_swap.c, or the framework's RAM store), and its own page
 * replacement within a frame quota the kernel keeps for its objects
 * (memory_object_control quota). It tracks the pages it brings in; when they
 * fill the quota (or the kernel marks a request over quota), it runs aging
 * (pager/aging/) over the R and M bits of the tracked pages, read in batches
 * with query_bits, and flushes the pages with the oldest counters with
 * lock_request, skipping the ones the kernel vetoes (pinned or busy), before
 * it answers. Its victims are its own pages only; global pageout still
 * works above it. Arguments as the default pager's ("store=disk",
 * "placement=static", "name=NAME"), and "quota=N" (frames; 0 or absent:
 * none, the default pager's behaviour). docs/pagers.md.
 */
#include "aging.h"
#include "default_pager.h"

#include <abi/pager.h>
#include <ipc/fmt.h>
#include <ipc/ipc.h>
#include <ipc/prefault.h>
#include <ipc/string.h>
#include <ipc/sys.h>
#include <lib/cmdline.h>
#include <lib/lib.h>
#include <memory_object_control_defs.h>
#include <naming_defs.h>

#define PL_NAME "policy_pager"
#define PL_RESERVE (2ul << 20) /* the framework's bookkeeping, touched at start */
#define PL_STACK_TOUCH (16 * 1024)
#define PL_TRACK_MAX 4096u  /* pages tracked at most: the largest quota */
#define PL_QUERY_PAGES 512u /* pages of one query_bits, at most */
#define PL_LOCK_FLUSH 2u    /* lock_request's op (memory_object_control.idl) */
#define PL_BATCH_SHIFT 5    /* a round frees quota / 32 frames (at least one) */

static struct aging_page pl_pages[PL_TRACK_MAX];

/* One serving thread: nothing here needs a lock. */
static struct {
    struct pager pager;
    const struct pager_ops *store; /* the store's callbacks: disk or RAM */
    struct aging_set set;          /* the pages it brought in, as far as it knows resident */
    uint64_t quota;                /* frames; 0: none */
    bool quota_set;                /* the kernel has it (set with the first request) */
    struct pager_object *anchor;   /* an object whose control port reads the kernel's figures */
    uint64_t evictions, vetoes, rounds;
} pl;

/*
 * One aging round: the R and M bits of every tracked page, one query_bits
 * per batch of pages of one object within PL_QUERY_PAGES (a working set
 * costs few calls); pages no longer resident stop being tracked.
 */
static void pl_round(void)
{
    static uint8_t bits[PL_QUERY_PAGES];

    for (uint32_t i = 0; i < pl.set.n;) {
        uint32_t end = aging_batch(&pl.set, i, PL_QUERY_PAGES), len = 0;
        struct pager_object *obj = (struct pager_object *)pl.set.pages[i].obj;
        uint64_t first = pl.set.pages[i].offset;
        uint64_t count = pl.set.pages[end - 1].offset + PAGE_SIZE - first;
        if (memory_object_control_query_bits(obj->control, first, count, bits, &len) != 0 ||
            len != count / PAGE_SIZE)
            memset(bits, 0, sizeof(bits)); /* the object is going: its pages too */
        i = aging_apply(&pl.set, i, end, bits, first);
    }
    pl.rounds++;
}

/*
 * Flush the victim aging chooses. Returns 1 when it went, 0 when the
 * kernel vetoed it (pinned or busy: it stays tracked, skipped for this
 * choice and then as young as a page just used, so that a pinned page is
 * not asked for at every fault), -1 when there is no victim left.
 */
static int pl_evict_one(void)
{
    int v = aging_victim(&pl.set);

    if (v < 0)
        return -1;
    struct aging_page *p = &pl.set.pages[v];
    struct pager_object *obj = (struct pager_object *)p->obj;
    uint64_t vetoed = 0, first;
    int r = memory_object_control_lock_request(obj->control, p->offset, PAGE_SIZE, PL_LOCK_FLUSH,
                                               &vetoed, &first);
    if (r == 0 && vetoed > 0) {
        /* Skipped in this choice, and counted as just used: retried once its counter ages. */
        p->vetoed = true;
        p->age = UINT8_MAX;
        pl.vetoes++;
        return 0;
    }
    aging_remove(&pl.set, (uint32_t)v); /* flushed, or the object is going */
    if (r == 0)
        pl.evictions++;
    return 1;
}

/*
 * Make room for @need pages (at most the quota): when the tracked pages
 * with them would pass the quota, or the kernel said the quota is full
 * (@over: the kernel counts a page this pager does not track), a round,
 * then victims flushed until a batch of quota / 32 frames (or @need, if
 * more) is free (as pageout frees a batch per round: a round reads the bits
 * of every tracked page, too dear for each fault).
 */
static void pl_make_room(bool over, uint64_t need)
{
    uint64_t batch = MAX(pl.quota >> PL_BATCH_SHIFT, need);

    if (!over && pl.set.n + need <= pl.quota)
        return;
    pl_round();
    while (pl.set.n + batch > pl.quota || over) {
        int r = pl_evict_one();
        if (r < 0)
            break; /* every tracked page vetoed: answer anyway, the kernel allows it */
        if (r > 0)
            over = false;
    }
}

/* The kernel takes the quota with the first request (the first control port known). */
static void pl_quota_start(struct pager_object *obj)
{
    uint64_t resident, peak, signals;
    int err;

    if (pl.quota_set)
        return;
    pl.quota_set = true;
    err = memory_object_control_quota(obj->control, pl.quota, &resident, &peak, &signals);
    if (err != 0)
        printf(PL_NAME ": quota %lu: %s\n", (unsigned long)pl.quota, err_text(err));
}

/*
 * on_data_request: room first (within the quota) for every page asked,
 * then the store answers them all (a sequential cluster is one request and
 * one disk read per run of blocks, not one of each per page: under load
 * every disk read the pager waits for costs a host wake-up), and they are
 * tracked from now on.
 */
static void pl_request(struct pager *pager, struct pager_object *obj, uint64_t offset,
                       uint64_t count, unsigned access)
{
    if (pl.quota == 0) {
        pl.store->on_data_request(pager, obj, offset, count, access);
        return;
    }
    uint64_t n = MAX(MIN(count / PAGE_SIZE, pl.quota), 1);
    pl_quota_start(obj);
    pl.anchor = obj;
    pl_make_room(access & MEMORY_OBJECT_ACCESS_OVER_QUOTA, n);
    pl.store->on_data_request(pager, obj, offset, n * PAGE_SIZE, access);
    for (uint64_t i = 0; i < n; i++)
        aging_add(&pl.set, (uint64_t)obj, offset + i * PAGE_SIZE);
}

/* on_data_return: the store's. */
static void pl_return(struct pager *pager, struct pager_object *obj, uint64_t offset,
                      uint64_t dirty, void *pages, uint64_t size)
{
    if (pl.store->on_data_return != NULL)
        pl.store->on_data_return(pager, obj, offset, dirty, pages, size);
    else
        pager_pages_keep(obj, offset, pages, size);
}

/* on_terminate: its pages stop being tracked, then the store forgets it. */
static void pl_terminate(struct pager *pager, struct pager_object *obj)
{
    aging_forget(&pl.set, (uint64_t)obj);
    if (pl.anchor == obj)
        pl.anchor = pl.set.n > 0 ? (struct pager_object *)pl.set.pages[0].obj : NULL;
    if (pl.store->on_terminate != NULL)
        pl.store->on_terminate(pager, obj);
}

/* on_store_stats: the store's figures and the policy's, the kernel's counts read now. */
static void pl_stats(struct pager *pager, struct pager_store_stats *out)
{
    uint64_t resident = pl.set.n, peak = 0, signals = 0;

    if (pl.store->on_store_stats != NULL)
        pl.store->on_store_stats(pager, out);
    if (pl.anchor != NULL && pl.quota_set)
        memory_object_control_quota(pl.anchor->control, QUOTA_KEEP, &resident, &peak, &signals);
    out->policy_quota = pl.quota;
    out->policy_resident = resident, out->policy_peak = peak, out->policy_signals = signals;
    out->policy_evictions = pl.evictions, out->policy_vetoes = pl.vetoes;
    out->policy_rounds = pl.rounds;
}

/* The RAM store: kept pages move back, the others are zero filled. */
static const struct pager_ops pl_ram_store = {
    .on_data_request = pager_pages_on_request,
};

/* on_init: the store's (the swap store's maps), else accepted. */
static int pl_init(struct pager *pager, struct pager_object *obj)
{
    return pl.store->on_init != NULL ? pl.store->on_init(pager, obj) : 0;
}

/* on_evacuate: the store's, else the RAM store's pages go. */
static int pl_evacuate(struct pager *pager, struct pager_object *obj, uint64_t count, bool first)
{
    if (pl.store->on_evacuate != NULL)
        return pl.store->on_evacuate(pager, obj, count, first);
    return pager_pages_evacuate(obj, count);
}

static const struct pager_ops pl_ops = {
    .on_init = pl_init,
    .on_data_request = pl_request,
    .on_data_return = pl_return,
    .on_terminate = pl_terminate,
    .on_store_stats = pl_stats,
    .on_evacuate = pl_evacuate,
};

/* "quota=N": frames, at most PL_TRACK_MAX; 0 when absent. */
static uint64_t pl_quota_arg(int argc, char **argv)
{
    const char *v = cmdline_option(argc, argv, "quota");
    uint64_t n;

    if (v == NULL || !parse_u64(v, &n))
        return 0;
    if (n > PL_TRACK_MAX)
        printf(PL_NAME ": quota %lu cut to %u\n", (unsigned long)n, PL_TRACK_MAX);
    return MIN(n, PL_TRACK_MAX);
}

int main(int argc, char **argv)
{
    const char *store = cmdline_option(argc, argv, "store");
    bool disk = store != NULL && strcmp(store, "disk") == 0;
    int err;

    pager_cpu_from_args(argc, argv);

    prefault_image();
    prefault_stack(PL_STACK_TOUCH);
    pl.set = (struct aging_set){.pages = pl_pages, .cap = PL_TRACK_MAX};
    pl.quota = pl_quota_arg(argc, argv);
    pl.store = disk ? &dp_swap_ops : &pl_ram_store;
    err = pager_mem_add_touched(PL_RESERVE);
    if (err == 0 && disk)
        err = dp_swap_open(PL_NAME, argc, argv);
    if (err == 0)
        err = pager_init(&pl.pager, &pl_ops, NULL, PORT_NULL);
    if (err < 0) {
        printf(PL_NAME ": setup failed: %s\n", err_text(err));
        return 1;
    }
    /* "name=NAME": a second instance (a standby, the conformance suite's victim). */
    const char *name = cmdline_option(argc, argv, "name");
    if (name == NULL || *name == '\0')
        name = PL_NAME;
    if (ipc_bootstrap_port != PORT_NULL && (err = pager_register(&pl.pager, name)) < 0)
        printf(PL_NAME ": pager_register: %s\n", err_text(err));
    printf(PL_NAME ": aging within a quota of %lu frames (0: none), %s\n", (unsigned long)pl.quota,
           disk ? "swap on disk" : "no disk: the RAM store");
    err = pager_serve(&pl.pager, 1);
    printf(PL_NAME ": stopped: %s\n", err_text(err));
    return 1;
}
