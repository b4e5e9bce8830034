/*
 * libFuzzer target: the kernel's message copy-in (ipc_kmsg_copyin) on the
 * host, as microkernel/tests/test_ipc_kmsg.c runs it: a sender and a
 * receiver task with real name spaces and address maps over simulated RAM.
 * The input gives the send's registers and its extension (descriptors whose
 * names index the sender's rights, or are any value, then inline bytes). A
 * message that is built is destroyed again; after each input the frame
 * table and both name spaces must pass kernel_check's walks, and once the
 * tasks are gone every frame must be back. Anything else aborts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <abi/errors.h>
#include <ipc/ipc.h>
#include <ipc/ipc_kmsg.h>
#include <vm/frame.h>
#include <vm/vm_copy.h>

#include "host_support.h"
#include "ipc_support.h"

#define EXT_VA 0x400000ULL
#define EXT_SIZE 0x4000ULL
#define OOL_VA 0x500000ULL
#define OOL_PAGES 8u

static struct task s, r;
static port_name_t names[6];
static uint64_t baseline;

static uint8_t in_byte(const uint8_t *data, size_t size, size_t *at)
{
    return *at < size ? data[(*at)++] : 0;
}

/* The tasks of one input: s holds a receive right, send rights to r's ports, a send-once. */
static void tasks_make(void)
{
    ipc_test_task_init(&s, 1);
    ipc_test_task_init(&r, 2);
    port_name_t rp = ipc_test_port_allocate(&r), rq = ipc_test_port_allocate(&r);
    names[0] = ipc_test_right_transfer(&r, rp, IPC_DISP_MAKE_SEND, &s);
    names[1] = ipc_test_right_transfer(&r, rq, IPC_DISP_MAKE_SEND_ONCE, &s);
    names[2] = ipc_test_port_allocate(&s);
    names[3] = ipc_test_right_transfer(&r, rq, IPC_DISP_MAKE_SEND, &s);
    names[4] = rp; /* a name of the other space */
    names[5] = 0x12345;
    ipc_test_map_region(&s, EXT_VA, EXT_SIZE);
    ipc_test_map_region(&s, OOL_VA, OOL_PAGES * PAGE_SIZE);
}

static void invariants(void)
{
    if (frame_check() || ipc_space_check(&s.ipc, &s) || ipc_space_check(&r.ipc, &r))
        abort();
}

/* Descriptor names 0..5 stand for the sender's rights above; addresses near its pages. */
static void ext_fix(uint8_t *ext, unsigned ndesc)
{
    struct ipc_desc *d = (struct ipc_desc *)ext;

    for (unsigned i = 0; i < ndesc; i++) {
        if (d[i].name < 0x100)
            d[i].name = names[d[i].name % 6];
        if (d[i].address < 0x10000)
            d[i].address = OOL_VA + (d[i].address & 0xf000);
        if (d[i].size < 0x100000)
            d[i].size &= 0xf000 | (d[i].size & 1);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool ready;
    static uint8_t ext[EXT_SIZE];
    struct kmsg *m;
    size_t at = 0;

    if (!ready) {
        ipc_test_env_init(2048);
        baseline = host_free_frames();
        ready = true;
    }
    tasks_make();
    struct ipc_send_args a = {.id = in_byte(data, size, &at),
                              .remote_disp = in_byte(data, size, &at) % 8,
                              .local_disp = in_byte(data, size, &at) % 8,
                              .ndesc = in_byte(data, size, &at) % 20,
                              .call = in_byte(data, size, &at) & 1,
                              .ext_addr = EXT_VA};
    a.remote = names[in_byte(data, size, &at) % 6];
    a.local = names[in_byte(data, size, &at) % 6];
    a.ext_size = (uint32_t)in_byte(data, size, &at) << 8 | in_byte(data, size, &at);
    size_t n = size - at < sizeof(ext) ? size - at : sizeof(ext);
    memset(ext, 0, sizeof(ext));
    memcpy(ext, data + at, n);
    ext_fix(ext, a.ndesc < IPC_DESC_MAX ? a.ndesc : IPC_DESC_MAX);
    if (vm_copy_out(&s.map, EXT_VA, ext, sizeof(ext)) != 0)
        abort();
    if (ipc_kmsg_copyin(&s, &a, &m) == 0)
        ipc_kmsg_destroy(m);
    invariants();
    ipc_test_task_destroy(&s);
    ipc_test_task_destroy(&r);
    if (host_free_frames() != baseline)
        abort(); /* a frame of the message or the tasks did not come back */
    return 0;
}
