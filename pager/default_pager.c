/*
 * The default pager: serves the anonymous memory of user tasks through the
 * pager framework. A page it never stored is unavailable (the kernel zero
 * fills it: the cheapest answer). A page that pageout returned goes to one
 * of two stores: the swap disk, through the backing-store server
 * (default_pager_swap.c), or a RAM store that keeps it and moves it back on
 * the next request without copying. Args: "name=NAME" registers under NAME
 * instead of "default_pager" (a second instance, which init can make the
 * default pager at run time); "threads=N" serves with N threads (default
 * 1), "threads=cpus" with one kept to each CPU (each object's messages are
 * handled in the kernel's order; docs/pager.md says what several threads
 * still lack); "store=disk" uses the swap disk (the backing-store server
 * must be registered as "bstore"), with "placement=static" for a swap area
 * per object instead of a disk map; otherwise the RAM store, which says it
 * is full past "store_pages=N" pages (default: a sixteenth of the frames).
 * It registers as "default_pager" with the name service and needs no
 * privilege: init, which holds the host-privilege port, makes that port the
 * default pager (init starts it only as the system's pager, with the word
 * "system" that pager= programs get).
 */
#include "default_pager.h"

#include <ipc/fmt.h>
#include <ipc/ipc.h>
#include <ipc/prefault.h>
#include <ipc/string.h>
#include <ipc/sys.h>
#include <lib/cmdline.h>
#include <lib/lib.h>
#include <naming_defs.h>

/*
 * Memory the pager's own bookkeeping lives in, reserved before it becomes
 * the default pager: anonymous memory created afterwards would be served by
 * this very task, which must never fault on pages only it can supply.
 */
#define DEFAULT_PAGER_RESERVE (2ul << 20)
#define DEFAULT_PAGER_STACK_TOUCH (16 * 1024)

static struct pager default_pager;

/* on_data_request of the RAM store: stored pages go back, never-stored runs are unavailable. */
static void default_pager_request(struct pager *pager, struct pager_object *obj, uint64_t offset,
                                  uint64_t count, unsigned access)
{
    (void)pager, (void)access;
    pager_pages_request(obj, offset, count);
}

static bool default_pager_disk;
static uint64_t default_pager_ram_capacity; /* pages the RAM store takes before it says full */

/*
 * The RAM store keeps every returned page (pager_pages_keep): a page given
 * to it is never lost. Past its capacity it tells the kernel its store is
 * full, as the disk store does when swap is full, so that pageout stops
 * sending pages that would only move from one task's memory to this one's:
 * without that, a task filling memory with no swap disk never met "out of
 * memory", the memory it freed went to the store, and the store's own
 * bookkeeping finally left the kernel no frame to hand this pager a message.
 */
static void default_pager_ram_return(struct pager *pager, struct pager_object *obj, uint64_t offset,
                                     uint64_t dirty, void *pages, uint64_t size)
{
    (void)dirty;
    pager_pages_keep(obj, offset, pages, size);
    if (__atomic_load_n(&pager->resident, __ATOMIC_RELAXED) >= default_pager_ram_capacity)
        pager_store_full(obj, true);
}

/* "store_pages=N"; else a sixteenth of the frames (each page kept costs kernel memory too). */
static uint64_t default_pager_ram_pages(int argc, char **argv)
{
    const char *v = cmdline_option(argc, argv, "store_pages");
    struct vm_stat st;
    uint64_t n;

    if (v != NULL && parse_u64(v, &n) && n > 0)
        return n;
    return sys_vm_stat(&st) == 0 && st.frames_total >= 16 ? st.frames_total / 16 : 1;
}

/* The RAM store: the framework keeps returned pages, up to a capacity. */
static const struct pager_ops default_pager_ram_ops = {
    .on_data_request = default_pager_request,
    /* Pages supplied from the store are precious, so they come back even when clean. */
    .on_data_return = default_pager_ram_return,
};

/* Is option @key of the program's arguments exactly @value? */
static bool default_pager_option_is(int argc, char **argv, const char *key, const char *value)
{
    const char *v = cmdline_option(argc, argv, key);
    return v != NULL && strcmp(v, value) == 0;
}

/* "threads=N"; 0 for "threads=cpus" (one kept to each CPU); 1 when absent or out of range. */
static unsigned default_pager_threads(int argc, char **argv)
{
    const char *v = cmdline_option(argc, argv, "threads");
    uint64_t n;

    if (v != NULL && strcmp(v, "cpus") == 0)
        return 0;
    return v != NULL && parse_u64(v, &n) && n >= 1 && n <= PAGER_THREADS_MAX ? (unsigned)n : 1;
}

/*
 * The name to register under: "name=NAME" (a second instance, for init to
 * switch to at run time), else "default_pager".
 */
static const char *default_pager_name(int argc, char **argv)
{
    const char *v = cmdline_option(argc, argv, "name");
    return v != NULL && *v != '\0' ? v : "default_pager";
}

/* store=disk: find the backing-store server and set the swap store up. */
static int default_pager_disk_init(bool static_areas)
{
    port_name_t bstore;
    int err = naming_lookup(ipc_bootstrap_port, "bstore", &bstore);

    if (err < 0) {
        printf("default_pager: no backing-store server: %s\n", err_text(err));
        return err;
    }
    err = dp_swap_init(bstore, static_areas, DP_WRITES_DEFAULT);
    if (err < 0) {
        printf("default_pager: swap store: %s\n", err_text(err));
        return err;
    }
    struct pager_store_stats st = {0};
    dp_swap_stats(NULL, &st);
    printf("default_pager: swap on disk, %lu blocks, %s\n", (unsigned long)st.blocks,
           static_areas ? "a static area per object" : "per-page disk maps");
    default_pager_disk = true;
    return 0;
}

int main(int argc, char **argv)
{
    unsigned nthreads = default_pager_threads(argc, argv);
    int err;

    pager_cpu_from_args(argc, argv);

    prefault_image();
    prefault_stack(DEFAULT_PAGER_STACK_TOUCH);
    /* Everything this task will touch exists before it serves anonymous memory. */
    err = pager_mem_add_touched(DEFAULT_PAGER_RESERVE);
    if (err == 0 && default_pager_option_is(argc, argv, "store", "disk"))
        err = default_pager_disk_init(default_pager_option_is(argc, argv, "placement", "static"));
    default_pager_ram_capacity = default_pager_ram_pages(argc, argv);
    if (err == 0)
        err = pager_init(&default_pager, default_pager_disk ? &dp_swap_ops : &default_pager_ram_ops,
                         NULL, PORT_NULL);
    if (err == 0)
        err = nthreads == 0 ? pager_threads_per_cpu(&default_pager)
                            : pager_threads_start(&default_pager, nthreads - 1);
    if (err < 0) {
        printf("default_pager: setup failed: %s\n", err_text(err));
        return 1;
    }
    /* No privilege here: init, holding the host-privilege port, makes the
     * port it finds registered the default pager. */
    if (ipc_bootstrap_port != PORT_NULL) {
        err = pager_register(&default_pager, default_pager_name(argc, argv));
        if (err < 0)
            printf("default_pager: pager_register: %s\n", err_text(err));
    }
    printf("default_pager: serving anonymous memory with %u thread(s)%s\n",
           default_pager.threads + 1, nthreads == 0 ? ", one on each CPU" : "");
    err = pager_serve(&default_pager, 1);
    printf("default_pager: stopped: %s\n", err_text(err));
    return 1;
}
