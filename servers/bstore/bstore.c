/*
 * The backing-store server: serves whole 4 KiB blocks of the swap disk over
 * IPC (bstore.idl). Reads land by DMA in pinned pages that are then moved to
 * the client; written pages arrive moved into this task, are pinned and go to
 * the disk straight from their frames. Every request is checked first: a
 * block out of range, a bad count or size gets an error reply. Registered
 * with init's name service as "bstore".
 */
#include "virtio_blk.h"

#include <bstore_defs.h>
#include <ipc/fmt.h>
#include <ipc/ipc.h>
#include <ipc/sys.h>
#include <naming_defs.h>

#define BLOCK 4096ul
#define SECTORS_PER_BLOCK (BLOCK / 512)
#define MAX_BLOCKS 16u

static uint64_t blocks;
static long read_buffer; /* a reused region: its pages leave with each reply */
static struct ipc_message in, out;

static bool range_ok(uint64_t block, uint64_t count)
{
    return count >= 1 && count <= MAX_BLOCKS && block < blocks && count <= blocks - block;
}

/* Pin the @count pages at @va and move them to or from the disk at @block. */
static int transfer(bool write, uint64_t block, uint64_t va, uint64_t count)
{
    static uint64_t phys[MAX_BLOCKS];
    int err = (int)sys_vm_pin_dma((void *)va, count * BLOCK, phys);

    for (uint64_t i = 0; !err && i < count; i++)
        err = vblk_transfer(write, (block + i) * SECTORS_PER_BLOCK, phys[i], BLOCK);
    sys_vm_unpin((void *)va, count * BLOCK);
    return err;
}

int bstore_do_info(void *ctx, uint64_t *count)
{
    (void)ctx;
    *count = blocks;
    return 0;
}

int bstore_do_read(void *ctx, uint64_t block, uint64_t count, void **pages, uint64_t *size)
{
    (void)ctx;
    if (!range_ok(block, count))
        return -ERR_INVAL;
    int err = transfer(false, block, (uint64_t)read_buffer, count);
    if (err)
        return err;
    *pages = (void *)read_buffer; /* moved to the client with the reply */
    *size = count * BLOCK;
    return 0;
}

int bstore_do_write(void *ctx, uint64_t block, void *pages, uint64_t size)
{
    (void)ctx;
    int err = size % BLOCK || !range_ok(block, size / BLOCK)
                  ? -ERR_INVAL
                  : transfer(true, block, (uint64_t)pages, size / BLOCK);
    sys_vm_deallocate(pages, size); /* the pages were moved to us: they go now */
    return err;
}

/*
 * Take both transfer paths once before serving (block 0 is read and written
 * back unchanged), so that what they set up and keep (page tables of the
 * read buffer, stack) is not counted against the first client.
 */
static int warm_up(void)
{
    long w = sys_vm_allocate(BLOCK, VM_PROT_READ | VM_PROT_WRITE);

    for (uint64_t off = 0; off < MAX_BLOCKS * BLOCK; off += BLOCK)
        (void)*(volatile char *)(read_buffer + off); /* clean pages, page tables */
    int err = w < 0 ? (int)w : transfer(false, 0, (uint64_t)read_buffer, 1);
    if (!err) {
        for (uint64_t i = 0; i < BLOCK / 8; i++)
            ((uint64_t *)w)[i] = ((volatile uint64_t *)read_buffer)[i];
        err = bstore_do_write(NULL, 0, (void *)w, BLOCK);
    }
    sys_vm_pageout((void *)read_buffer, MAX_BLOCKS * BLOCK);
    return err;
}

int main(const char *args)
{
    port_name_t port;

    (void)args;
    int err = vblk_init();
    if (err) {
        printf("bstore: no usable virtio-blk disk (step %d)\n", err);
        return 1;
    }
    blocks = vblk_sectors() / SECTORS_PER_BLOCK;
    read_buffer = sys_vm_allocate(MAX_BLOCKS * BLOCK, VM_PROT_READ | VM_PROT_WRITE);
    if (read_buffer < 0 || warm_up() != 0) {
        printf("bstore: the disk failed its first transfers\n");
        return 1;
    }
    if (read_buffer < 0 || port_allocate(IPC_RIGHT_RECEIVE, &port) != 0 ||
        port_insert_send(port) != 0 || naming_register(ipc_bootstrap_port, "bstore", port) != 0) {
        printf("bstore: could not register with the name service\n");
        return 1;
    }
    printf("bstore: virtio-blk disk of %lu blocks, serving\n", (unsigned long)blocks);
    for (;;) {
        if (ipc_recv(&in, port, IPC_TIMEOUT_NONE) != 0)
            continue;
        if (bstore_dispatch(NULL, &in, &out))
            ipc_send(&out, 0);
    }
}
