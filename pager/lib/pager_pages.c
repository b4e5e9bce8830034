/*
 * The RAM page store of an object: returned pages are kept where data_return
 * mapped them, without copying, and moved back to the kernel on request. A
 * data_return region (a "run") can only be deallocated whole, so each run
 * counts its pages still stored and goes when the last one has left.
 */
#include <pager/pager.h>

#include <ipc/fmt.h>
#include <ipc/sys.h>

struct pager_run {
    void *addr;    /* the region data_return mapped */
    uint64_t size; /* its bytes */
    uint64_t live; /* its pages still in a store */
};

/* One page of @run has left the store; the last one takes the region with it. */
static void pager_run_drop(struct pager_run *run)
{
    if (run == NULL || --run->live != 0)
        return;
    sys_vm_deallocate(run->addr, run->size);
    pager_mem_free(run, sizeof(*run));
}

/* Pages held in the RAM stores of @obj's pager went up (or down) by @n (pager_stats). */
static void pager_pages_count(struct pager_object *obj, int64_t n)
{
    if (obj->pager != NULL)
        __atomic_add_fetch(&obj->pager->resident, (uint64_t)n, __ATOMIC_RELAXED);
}

/* pager_store_drain callback: release one page of object @ctx. */
static void pager_pages_drop(void *ctx, const struct pager_page *page)
{
    pager_pages_count(ctx, -1);
    pager_run_drop(page->run);
}

int pager_pages_keep(struct pager_object *obj, uint64_t offset, void *pages, uint64_t size)
{
    uint64_t npages = size / PAGE_SIZE;
    struct pager_run *run = pager_mem_alloc(sizeof(*run));
    int err = 0;

    if (run == NULL) {
        sys_vm_deallocate(pages, size);
        return -ERR_NOMEM;
    }
    *run = (struct pager_run){.addr = pages, .size = size, .live = npages + 1};
    for (uint64_t i = 0; i < npages; i++) {
        uint64_t at = offset + i * PAGE_SIZE;
        struct pager_page old;
        if (pager_store_remove(&obj->store, at, &old) == 0) {
            pager_pages_count(obj, -1);
            pager_run_drop(old.run);
        }
        if (pager_store_insert(&obj->store, at, (char *)pages + i * PAGE_SIZE, run) < 0) {
            err = -ERR_NOMEM;
            run->live--;
        } else {
            pager_pages_count(obj, 1);
        }
    }
    pager_run_drop(run); /* the reference held while entering the pages */
    if (err < 0)
        printf("pager: object %lu: returned pages lost: out of memory\n", (unsigned long)obj->id);
    return err;
}

int pager_pages_supply(struct pager_object *obj, uint64_t offset, unsigned flags)
{
    struct pager_page page;
    int err;

    if (pager_store_remove(&obj->store, offset, &page) < 0)
        return -ERR_NOENT;
    pager_pages_count(obj, -1);
    /* The page moves whatever the answer: it is no longer ours to keep. */
    err = pager_data_supply(obj, offset, page.addr, PAGE_SIZE, flags);
    pager_run_drop(page.run);
    return err;
}

void pager_pages_free_all(struct pager_object *obj)
{
    pager_store_drain(&obj->store, pager_pages_drop, obj);
}

/* What evacuating a store found: the object, and the pages the kernel could not take. */
struct pager_evacuation {
    struct pager_object *obj;
    uint64_t lost;
};

/* pager_store_drain callback: hand one page to the kernel, precious (@ctx: the evacuation). */
static void pager_pages_hand_over(void *ctx, const struct pager_page *page)
{
    struct pager_evacuation *ev = ctx;
    int err =
        pager_data_supply(ev->obj, page->offset, page->addr, PAGE_SIZE, PAGER_SUPPLY_PRECIOUS);

    if (err < 0 && err != -ERR_BUSY) {
        printf("pager: object %lu: page %lx not handed over: %s\n", (unsigned long)ev->obj->id,
               (unsigned long)page->offset, err_text(err));
        ev->lost++;
    }
    pager_run_drop(page->run);
}

int pager_pages_evacuate(struct pager_object *obj, uint64_t count)
{
    struct pager_evacuation ev = {.obj = obj, .lost = 0};

    return pager_store_drain_some(&obj->store, count, pager_pages_hand_over, &ev) ? EVACUATE_MORE
                                                                                  : EVACUATE_DONE;
}

/* Zero fill the gap [@start, @end) of a request, if it is not empty. */
static void pager_pages_gap(struct pager_object *obj, uint64_t start, uint64_t end)
{
    if (start >= end)
        return;
    int err = pager_data_unavailable(obj, start, end - start);
    if (err < 0)
        printf("pager: data_unavailable %lx: %s\n", (unsigned long)start, err_text(err));
}

void pager_pages_request(struct pager_object *obj, uint64_t offset, uint64_t count)
{
    uint64_t end = offset + count, gap = offset;

    for (uint64_t at = offset; at < end; at += PAGE_SIZE) {
        if (pager_store_lookup(&obj->store, at) == NULL)
            continue;
        pager_pages_gap(obj, gap, at);
        int err = pager_pages_supply(obj, at, PAGER_SUPPLY_PRECIOUS); /* the store lets it go */
        if (err < 0)
            printf("pager: supply %lx: %s\n", (unsigned long)at, err_text(err));
        gap = at + PAGE_SIZE;
    }
    pager_pages_gap(obj, gap, end);
}

void pager_pages_on_request(struct pager *pager, struct pager_object *obj, uint64_t offset,
                            uint64_t count, unsigned access)
{
    (void)pager, (void)access;
    pager_pages_request(obj, offset, count);
}
