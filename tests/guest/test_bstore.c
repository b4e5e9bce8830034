/*
 * The backing-store server as a client sees it: look it up by name, write
 * blocks from pages moved to it, read them back into pages moved to us, and
 * get an error reply for every bad request (a block out of range, a count of
 * 0 or over 16, a message of the wrong shape or of no known kind) while it
 * keeps serving. Several client threads at once put several requests on the
 * disk together, and each gets its own data back.
 */
#include <bstore_defs.h>
#include <ipc/fmt.h>
#include <ipc/ipc.h>
#include <ipc/sys.h>
#include <ipc/test.h>
#include <ipc/thread.h>
#include <naming_defs.h>

#define BLOCK 4096ul
#define MS 1000000ull
#define BS_THREADS 6
#define BS_ROUNDS 8

static port_name_t bs_lookup(void)
{
    port_name_t bs = PORT_NULL;
    while (naming_lookup(ipc_bootstrap_port, "bstore", &bs) != 0)
        sys_sleep_ns(5 * MS); /* until it registers */
    return bs;
}

/* Write @n blocks of pattern @salt at @block, moving fresh pages to the server. */
static int bs_write(port_name_t bs, uint64_t block, uint64_t n, uint64_t salt)
{
    long buf = sys_vm_allocate(n * BLOCK, VM_PROT_READ | VM_PROT_WRITE);
    if (buf < 0)
        return (int)buf;
    for (uint64_t i = 0; i < n * BLOCK / 8; i++)
        ((uint64_t *)buf)[i] = salt ^ (block * BLOCK / 8 + i);
    int err = bstore_write(bs, block, (void *)buf, n * BLOCK);
    sys_vm_deallocate((void *)buf, n * BLOCK); /* its pages are gone, the region stays */
    return err;
}

static unsigned bs_check(port_name_t bs, uint64_t block, uint64_t n, uint64_t salt)
{
    void *pages = NULL;
    uint64_t size = 0;
    unsigned bad = 0;
    int err = bstore_read(bs, block, n, &pages, &size);

    if (err || size != n * BLOCK)
        return 1000 + (unsigned)-err;
    for (uint64_t i = 0; i < n * BLOCK / 8; i++)
        bad += ((uint64_t *)pages)[i] != (salt ^ (block * BLOCK / 8 + i));
    sys_vm_deallocate(pages, size);
    return bad;
}

static port_name_t bs_port;
static volatile unsigned bs_done, bs_bad;

/* One client thread: write and read back its own 8-block range, several rounds. */
static void bs_client(void *arg)
{
    uint64_t id = (uint64_t)arg, block = 1000 + id * 64;

    for (uint64_t round = 0; round < BS_ROUNDS; round++) {
        uint64_t salt = (id << 32) | round;
        unsigned bad = bs_write(bs_port, block, 8, salt) != 0;
        bad += bs_check(bs_port, block, 8, salt);
        __atomic_add_fetch(&bs_bad, bad, __ATOMIC_RELAXED);
    }
    __atomic_add_fetch(&bs_done, 1, __ATOMIC_RELEASE);
}

/* Messages of the wrong shape or kind: error replies, pages sent along released. */
static void bs_malformed(port_name_t bs)
{
    struct ipc_message m;
    long page = sys_vm_allocate(BLOCK, VM_PROT_READ | VM_PROT_WRITE);

    *(volatile char *)page = 1;
    ipc_msg_init(&m, bs, IPC_DISP_COPY_SEND, BSTORE_READ_ID); /* a read with pages */
    ipc_add_ool(&m, (void *)page, BLOCK, IPC_OOL_MOVE);
    m.w[0] = 0, m.w[1] = 1;
    TEST_CHECK(ipc_call(&m, 2000 * MS) == 0 && (int64_t)m.w[0] == -ERR_INVAL,
               "read with pages attached: %ld", (long)m.w[0]);
    ipc_msg_init(&m, bs, IPC_DISP_COPY_SEND, BSTORE_BASE + 0x40); /* no such request */
    TEST_CHECK(ipc_call(&m, 2000 * MS) == 0 && (int64_t)m.w[0] == -ERR_NOSYS,
               "unknown request: %ld", (long)m.w[0]);
    sys_vm_deallocate((void *)page, BLOCK);
}

int main(void)
{
    uint64_t blocks = 0;
    void *pages;
    uint64_t size;

    port_name_t bs = bs_lookup();
    if (!TEST_CHECK(bs != PORT_NULL, "no bstore"))
        return test_report("test_bstore");
    TEST_CHECK(bstore_info(bs, &blocks) == 0 && blocks >= 1024, "info: %lu blocks",
               (unsigned long)blocks);
    TEST_CHECK(bs_write(bs, 10, 4, 0x5a5a) == 0, "write 4 blocks");
    TEST_CHECK(bs_write(bs, 200, 16, 0x1234) == 0, "write 16 blocks");
    TEST_CHECK(bs_check(bs, 10, 4, 0x5a5a) == 0, "read back 4 blocks");
    TEST_CHECK(bs_check(bs, 200, 16, 0x1234) == 0, "read back 16 blocks");
    TEST_CHECK(bs_check(bs, 11, 2, 0x5a5a) == 0, "read a part back");
    /* Bad requests: error replies, and the server keeps serving. */
    TEST_CHECK(bstore_read(bs, blocks, 1, &pages, &size) == -ERR_INVAL, "read past the end");
    TEST_CHECK(bstore_read(bs, 0, 0, &pages, &size) == -ERR_INVAL, "read of 0 blocks");
    TEST_CHECK(bstore_read(bs, 0, 17, &pages, &size) == -ERR_INVAL, "read of 17 blocks");
    TEST_CHECK(bs_write(bs, blocks - 1, 2, 0) == -ERR_INVAL, "write past the end");
    TEST_CHECK(bs_write(bs, 0, 17, 0) == -ERR_INVAL, "write of 17 blocks");
    bs_malformed(bs);
    TEST_CHECK(bs_check(bs, 10, 4, 0x5a5a) == 0, "data after the bad requests");

    /* Several clients at once: several requests on the disk together. */
    bs_port = bs;
    for (uint64_t t = 0; t < BS_THREADS; t++)
        TEST_CHECK(thread_start(bs_client, (void *)t, 16384) > 0, "client thread %lu",
                   (unsigned long)t);
    while (__atomic_load_n(&bs_done, __ATOMIC_ACQUIRE) < BS_THREADS)
        sys_sleep_ns(10 * MS);
    uint64_t served = 0, inflight_max = 0;
    TEST_CHECK(bs_done == BS_THREADS && bs_bad == 0, "%u clients done, %u bad blocks", bs_done,
               bs_bad);
    TEST_CHECK(bstore_stats(bs, &served, &inflight_max) == 0 && inflight_max >= 2,
               "at most %lu requests were on the disk at once", (unsigned long)inflight_max);
    printf("test_bstore: %lu requests served, up to %lu on the disk at once\n",
           (unsigned long)served, (unsigned long)inflight_max);
    printf("test_bstore: %lu blocks, reads and writes through the backing-store server\n",
           (unsigned long)blocks);
    return test_report("test_bstore");
}
