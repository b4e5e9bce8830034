/*
 * The backing-store server: serves whole 4 KiB blocks of the swap disk over
 * IPC (bstore.idl). Reads land by DMA in pinned pages that are then moved to
 * the client; written pages arrive moved into this task, are pinned and go to
 * the disk straight from their frames. Every request is checked first: a
 * block out of range, a bad count or size gets an error reply at once.
 *
 * Several requests are in flight: one thread waits on a port set holding the
 * request port and the disk's interrupt port. A valid read or write is
 * started on a free slot of the driver and its reply right kept with it (they
 * are deferred routines); the reply goes out, through the generated
 * bstore_read_reply and bstore_write_reply, when the disk's completion
 * interrupt says it is done. When
 * every slot is busy the server waits for completions only, so clients queue
 * on the request port (bounded by it). Registered with init's name service as
 * "bstore".
 */
#include "virtio_blk.h"

#include <abi/errors.h>
#include <bstore_defs.h>
#include <interrupt_defs.h>
#include <ipc/fmt.h>
#include <ipc/ipc.h>
#include <ipc/prefault.h>
#include <ipc/sys.h>
#include <lib/cmdline.h>
#include <lib/lib.h>
#include <naming_defs.h>

#define BLOCK 4096ul
#define SECTORS_PER_BLOCK (BLOCK / 512)
#define MAX_BLOCKS VBLK_MAX_PAGES

/* A request on the disk: what its reply needs. */
struct bstore_req {
    bool write;
    port_name_t reply;   /* the client's send-once right */
    uint64_t va, npages; /* the pinned pages: a read slot's buffer, or the written pages */
    long buffer;         /* this slot's read buffer region (reused; its pages leave with replies) */
};

static uint64_t blocks;
static struct bstore_req reqs[VBLK_SLOTS];
static struct ipc_message in, out;
static uint64_t served, most_inflight; /* bstore stats */

static bool range_ok(uint64_t block, uint64_t count)
{
    return count >= 1 && count <= MAX_BLOCKS && block < blocks && count <= blocks - block;
}

/* A free request record (one per driver slot), or NULL. */
static struct bstore_req *req_free(void)
{
    for (unsigned i = 0; i < VBLK_SLOTS; i++)
        if (reqs[i].reply == PORT_NULL)
            return &reqs[i];
    return NULL;
}

/*
 * Pin the @count pages at @va and start moving them to or from the disk at
 * @block for @r. 0, or an error (nothing stays pinned then).
 */
static int start(struct bstore_req *r, bool write, uint64_t block, uint64_t va, uint64_t count)
{
    uint64_t phys[MAX_BLOCKS];
    int err = (int)sys_vm_pin_dma((void *)va, count * BLOCK, phys);

    if (err)
        return err;
    err = vblk_submit(write, block * SECTORS_PER_BLOCK, phys, (uint32_t)(count * BLOCK), r);
    if (err < 0) {
        sys_vm_unpin((void *)va, count * BLOCK);
        return err;
    }
    r->write = write;
    r->va = va;
    r->npages = count;
    if (vblk_inflight() > most_inflight)
        most_inflight = vblk_inflight();
    return 0;
}

/*
 * A request finished (vblk_complete callback): unpin, send the deferred
 * reply, free the record. A read's pages go to the client; if the client is
 * gone, its reply right goes and the pages stay in the slot's buffer.
 */
static void finish(void *cookie, int err)
{
    struct bstore_req *r = cookie;
    uint64_t size = r->npages * BLOCK;

    sys_vm_unpin((void *)r->va, size);
    if (r->write)
        bstore_write_reply(r->reply, err);
    else
        bstore_read_reply(r->reply, err, (void *)r->va, size);
    if (r->write)
        sys_vm_deallocate((void *)r->va, size); /* the written pages were ours to free */
    r->reply = PORT_NULL;
    served++;
}

int bstore_do_stats(void *ctx, uint64_t *count, uint64_t *inflight_max)
{
    (void)ctx;
    *count = served;
    *inflight_max = most_inflight;
    return 0;
}

int bstore_do_info(void *ctx, uint64_t *count)
{
    (void)ctx;
    *count = blocks;
    return 0;
}

/*
 * Handlers of the deferred routines read and write (bstore.idl): a request
 * is checked and started on the free record @ctx, which keeps the reply
 * right until finish() answers; an error is answered at once.
 */
int bstore_do_read(void *ctx, port_name_t reply, uint64_t block, uint64_t count, void **pages,
                   uint64_t *size)
{
    struct bstore_req *r = ctx;

    (void)pages, (void)size;
    if (!range_ok(block, count))
        return -ERR_INVAL;
    int err = start(r, false, block, (uint64_t)r->buffer, count);
    if (err)
        return err;
    r->reply = reply;
    return IPC_REPLY_DEFERRED;
}

int bstore_do_write(void *ctx, port_name_t reply, uint64_t block, void *pages, uint64_t size)
{
    struct bstore_req *r = ctx;
    int err = size % BLOCK || !range_ok(block, size / BLOCK)
                  ? -ERR_INVAL
                  : start(r, true, block, (uint64_t)pages, size / BLOCK);

    if (err) {
        sys_vm_deallocate(pages, size); /* refused: the pages were moved to us and go now */
        return err;
    }
    r->reply = reply;
    return IPC_REPLY_DEFERRED;
}

/* One message from a client: started on the free record @r, or answered at once. */
static void serve_request(struct bstore_req *r)
{
    if (bstore_dispatch(r, &in, &out))
        ipc_send(&out, 0);
}

/* Handler of interrupt.irq (interrupt.idl): the disk finished requests; answer them. */
int interrupt_do_irq(void *ctx, uint32_t vector, uint64_t coalesced)
{
    (void)ctx, (void)vector, (void)coalesced;
    vblk_complete(finish);
    return 0;
}

/* Take both transfer paths once before serving (block 0 read and written back). */
static int warm_up(void)
{
    long buf = reqs[0].buffer;
    uint64_t phys;

    for (unsigned i = 0; i < VBLK_SLOTS; i++)
        for (uint64_t off = 0; off < MAX_BLOCKS * BLOCK; off += BLOCK)
            (void)*(volatile char *)(reqs[i].buffer + off); /* page tables of every buffer */
    int err = (int)sys_vm_pin_dma((void *)buf, BLOCK, &phys);
    if (!err) {
        err = vblk_transfer(false, 0, phys, BLOCK);
        if (!err)
            err = vblk_transfer(true, 0, phys, BLOCK);
        sys_vm_unpin((void *)buf, BLOCK);
    }
    for (unsigned i = 0; i < VBLK_SLOTS; i++)
        sys_vm_pageout((void *)reqs[i].buffer, MAX_BLOCKS * BLOCK);
    return err;
}

/*
 * "cpu=N": keep to CPU N and have the disk's interrupts sent there (init
 * passes bstore_cpu=N), so that a completion wakes the server where it runs.
 */
static void bstore_cpu(int argc, char **argv)
{
    const char *v = cmdline_option(argc, argv, "cpu");
    struct cpu_info ci;
    uint64_t cpu;
    long err;

    if (v == NULL)
        return;
    err = !parse_u64(v, &cpu) || cpu >= CPU_INFO_MAX ? -ERR_INVAL : sys_cpu_info(&ci);
    if (err == 0)
        err = cpu < ci.found ? sys_thread_affinity(0, 1ull << cpu) : -ERR_INVAL;
    if (err < 0) {
        printf("bstore: cpu=%s: %s; interrupts to CPU 0\n", v, err_text(err));
        return;
    }
    vblk_set_msi_address(IRQ_MSI_ADDRESS_TO(ci.apic_id[cpu]));
    printf("bstore: kept to CPU %lu, which takes the disk's interrupts\n", (unsigned long)cpu);
}

int main(int argc, char **argv)
{
    port_name_t port, set;

    bstore_cpu(argc, argv);

    /* All of this task's memory is there before it serves: a pager waits on it. */
    prefault_image();
    prefault_stack(16 * 1024);
    int err = vblk_init();
    if (err) {
        printf("bstore: no usable virtio-blk disk (step %d)\n", err);
        return 1;
    }
    blocks = vblk_sectors() / SECTORS_PER_BLOCK;
    for (unsigned i = 0; i < VBLK_SLOTS; i++) {
        reqs[i].buffer = sys_vm_allocate(MAX_BLOCKS * BLOCK, VM_PROT_READ | VM_PROT_WRITE);
        if (reqs[i].buffer < 0) {
            printf("bstore: no memory for the read buffers\n");
            return 1;
        }
    }
    if (warm_up() != 0) {
        printf("bstore: the disk failed its first transfers\n");
        return 1;
    }
    if (port_allocate(IPC_RIGHT_RECEIVE, &port) != 0 || port_insert_send(port) != 0 ||
        port_allocate(IPC_RIGHT_PORT_SET, &set) != 0 || port_move_member(port, set) != 0 ||
        port_move_member(vblk_irq_port(), set) != 0 ||
        naming_register(ipc_bootstrap_port, "bstore", port) != 0) {
        printf("bstore: could not register with the name service\n");
        return 1;
    }
    printf("bstore: virtio-blk disk of %lu blocks, serving, %u requests in flight at most\n",
           (unsigned long)blocks, VBLK_SLOTS);
    for (;;) {
        struct bstore_req *r = req_free();
        /* With every slot busy, only completions are taken: clients wait in the queue. */
        if (ipc_recv(&in, r != NULL ? set : vblk_irq_port(), IPC_TIMEOUT_NONE) != 0)
            continue;
        if (INTERRUPT_ID_IS(in.id))
            interrupt_dispatch(NULL, &in, &out); /* one way: nothing to send */
        else
            serve_request(r);
    }
}
