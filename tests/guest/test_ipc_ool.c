/*
 * Out-of-line pages. A MOVE takes the frames away from the sender (its pages
 * are no longer resident) and maps the very same frames in the receiver,
 * which sees the data at the address its descriptor gives; a COPY leaves the
 * sender's page alone and gives the receiver other frames with the same
 * data. The helper task reports the frames and a checksum of what it saw.
 * A move to ourselves leaves the free-frame count unchanged.
 */
#include "ipc_util.h"

#include <abi/page.h>
#include <ipc/fmt.h>
#include <ipc/string.h>
#include <ipc/sys.h>
#include <ipc/test.h>

#define OOL_MULTI 8

static struct ipc_message ool_msg;

/* A fresh region of @pages pages filled with a pattern seeded by @seed; frames into @frames. */
static uint64_t *ool_fill(unsigned pages, uint64_t seed, uint64_t *frames, uint64_t *sum)
{
    long va = sys_vm_allocate(pages * PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE);

    *sum = 0;
    if (!TEST_CHECK(va > 0, "vm_allocate: %s", err_text(va)))
        return NULL;
    uint64_t *w = (uint64_t *)va;
    for (unsigned p = 0; p < pages; p++) {
        for (unsigned i = 0; i < PAGE_SIZE / 8; i++)
            w[p * 512 + i] = seed * 0x9e3779b97f4a7c15ull + p * 4096 + i;
        struct vm_query q = {0, 0, 0};
        TEST_CHECK(sys_vm_query(&w[p * 512], &q) == 0 && q.resident, "page %u not resident", p);
        frames[p] = q.frame;
        *sum ^= ipct_checksum(&w[p * 512], 512) + p * PAGE_SIZE;
    }
    return w;
}

/* Send @pages pages at @w with @flags to the helper; returns its report in ool_msg. */
static long ool_send(port_name_t svc, uint64_t *w, unsigned pages, unsigned flags)
{
    struct ipc_message *m = &ool_msg;

    ipc_msg_init(m, svc, IPC_DISP_COPY_SEND, IPCT_ID_OOL_INFO);
    ipc_add_ool(m, w, pages * PAGE_SIZE, flags);
    return ipc_call(m, IPC_TIMEOUT_NONE);
}

/* Move @pages pages: sender loses them, receiver sees the data in the same frames. */
static void ool_check_move(port_name_t svc, unsigned pages)
{
    struct ipc_message *m = &ool_msg;
    uint64_t frames[OOL_MULTI], sum;
    uint64_t *w = ool_fill(pages, pages, frames, &sum);
    unsigned same = 0, resident = 0;

    if (!w)
        return;
    long err = ool_send(svc, w, pages, IPC_OOL_MOVE);
    TEST_CHECK(err == 0 && m->id == (IPCT_ID_OOL_INFO | IPC_ID_REPLY), "move %u: %s", pages,
               err_text(err));
    for (unsigned p = 0; p < pages; p++) {
        struct vm_query q = {0, 0, 0};
        sys_vm_query(&w[p * 512], &q);
        resident += q.resident;
    }
    TEST_CHECK(resident == 0, "move %u: %u pages still resident in the sender", pages, resident);
    TEST_CHECK(m->w[1] == pages && m->w[2] == pages,
               "move %u: receiver saw %lu pages, %lu resident", pages, (unsigned long)m->w[1],
               (unsigned long)m->w[2]);
    TEST_CHECK(m->w[0] == sum, "move %u: the receiver's data differ", pages);
    const uint64_t *rf = ipc_inline(m);
    for (unsigned p = 0; p < pages && p < m->w[1]; p++)
        same += rf[p] == frames[p];
    TEST_CHECK(same == pages, "move %u: only %u frames are the same", pages, same);
    printf("test_ipc_ool: moved %u page(s), frame 0x%lx arrived as 0x%lx\n", pages,
           (unsigned long)frames[0], (unsigned long)rf[0]);
    sys_vm_deallocate(w, pages * PAGE_SIZE);
}

/* Copy one page: the sender keeps its frame, the receiver gets another with the same data. */
static void ool_check_copy(port_name_t svc)
{
    struct ipc_message *m = &ool_msg;
    uint64_t frame, sum;
    uint64_t *w = ool_fill(1, 77, &frame, &sum);
    struct vm_query q = {0, 0, 0};

    if (!w)
        return;
    long err = ool_send(svc, w, 1, IPC_OOL_COPY);
    TEST_CHECK(err == 0, "copy: %s", err_text(err));
    TEST_CHECK(sys_vm_query(w, &q) == 0 && q.resident && q.frame == frame,
               "copy: the sender's page changed (resident %u)", q.resident);
    TEST_CHECK(m->w[0] == sum && m->w[1] == 1, "copy: the receiver's data differ");
    TEST_CHECK(*(const uint64_t *)ipc_inline(m) != frame, "copy: the receiver got our frame");
    TEST_CHECK(w[5] == 77 * 0x9e3779b97f4a7c15ull + 5, "copy: our data changed");
    sys_vm_deallocate(w, PAGE_SIZE);
}

/* Move one page to ourselves through port @p; returns the free-frame delta. */
static long ool_self_move(port_name_t p, int *ok)
{
    struct ipc_message *m = &ool_msg;
    struct vm_stat before, after;
    uint64_t frame, sum;
    uint64_t *w = ool_fill(1, 5, &frame, &sum);

    *ok = 0;
    if (!w)
        return 0;
    sys_vm_stat(&before);
    ipc_msg_init(m, p, IPC_DISP_MAKE_SEND, IPCT_ID_PING);
    ipc_add_ool(m, w, PAGE_SIZE, IPC_OOL_MOVE);
    long err = ipc_send(m, 0);
    if (err == 0)
        err = ipc_recv(m, p, 0);
    sys_vm_stat(&after);
    struct vm_query q = {0, 0, 0};
    const uint64_t *got = (const uint64_t *)(uintptr_t)m->ext.desc[0].address;
    *ok = err == 0 && m->ndesc == 1 && ipc_desc_ool_ok(&m->ext.desc[0]) &&
          sys_vm_query(got, &q) == 0 && q.frame == frame && ipct_checksum(got, 512) == sum;
    if (err == 0)
        ipc_msg_destroy(m);
    sys_vm_deallocate(w, PAGE_SIZE);
    return (long)after.frames_free - (long)before.frames_free;
}

static void ool_check_frames(void)
{
    port_name_t p;
    int ok;

    if (!TEST_CHECK(port_allocate(IPC_RIGHT_RECEIVE, &p) == 0, "allocate"))
        return;
    ool_self_move(p, &ok); /* warm up: page tables for the receiving range */
    TEST_CHECK(ok, "self move (warm-up) failed");
    long delta = ool_self_move(p, &ok);
    TEST_CHECK(ok, "self move failed");
    TEST_CHECK(delta == 0, "a move changed the free-frame count by %ld", delta);
    port_destroy(p);
}

int main(void)
{
    port_name_t svc;
    long task = ipct_spawn_helper("echo", &svc);

    if (!TEST_CHECK(task >= 0 && svc != PORT_NULL, "spawn helper: %s", err_text(task)))
        return test_report("test_ipc_ool");
    ool_check_move(svc, 1);
    ool_check_copy(svc);
    ool_check_move(svc, OOL_MULTI);
    ool_check_frames();
    ipc_msg_init(&ool_msg, svc, IPC_DISP_COPY_SEND, IPCT_ID_QUIT);
    TEST_CHECK(ipc_call(&ool_msg, IPC_TIMEOUT_NONE) == 0, "quit");
    port_deallocate(svc);
    ipct_wait_child(task);
    return test_report("test_ipc_ool");
}
