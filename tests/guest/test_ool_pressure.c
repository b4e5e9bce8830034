/*
 * Out-of-line pages sent under memory pressure: an ordinary task stamps a
 * buffer, lets swap_churn push some of its pages out, and sends it to itself
 * by moving and by copying. Faulting one page of the buffer in may wait for
 * the disk while pageout takes another: the kernel must fault the message's
 * pages in until all are resident at once (or refuse the send), never send
 * a page that is gone. Every received page must hold its stamp. A copy
 * that meets the frame reserve waits for memory as a fault does: no copied
 * message may be refused (only a move may be, when its pages cannot all be
 * resident at once).
 */
#include <ipc/fmt.h>
#include <ipc/ipc.h>
#include <ipc/sys.h>
#include <ipc/test.h>

#include "swap_util.h"

#define OP_PAGES 32u
#define COPIES 4u /* copied sends per round: each takes OP_PAGES fresh frames */

static struct ipc_message op_msg;

/* Send @pages pages at @buf to @port (@disp move or copy), receive them, check. */
static unsigned op_round(port_name_t port, long buf, unsigned disp, uint64_t n)
{
    unsigned bad = 0;

    ipc_msg_init(&op_msg, port, IPC_DISP_MAKE_SEND, 0x501);
    ipc_add_ool(&op_msg, (void *)buf, OP_PAGES * PAGE_SIZE, disp);
    long err = ipc_send(&op_msg, 0);
    if (err == -ERR_NOMEM && disp == IPC_OOL_MOVE)
        return 0; /* refused whole: memory too short to hold them together */
    if (err != 0)
        printf("test_ool_pressure: a %s send failed: %s\n", disp == IPC_OOL_MOVE ? "move" : "copy",
               err_text(err));
    if (err != 0 || ipc_recv(&op_msg, port, 1000000000ull) != 0 || op_msg.ndesc != 1 ||
        op_msg.ext.desc[0].size != OP_PAGES * PAGE_SIZE)
        return OP_PAGES;
    uint64_t got = op_msg.ext.desc[0].address;
    for (unsigned i = 0; i < OP_PAGES; i++)
        bad +=
            !sw_stamped((volatile const uint64_t *)(got + i * PAGE_SIZE), buf + i * PAGE_SIZE, n);
    sys_vm_deallocate((void *)got, OP_PAGES * PAGE_SIZE);
    return bad;
}

int main(void)
{
    struct task_info info;
    port_name_t port;

    if (!TEST_CHECK(port_allocate(IPC_RIGHT_RECEIVE, &port) == 0, "port"))
        return test_report("test_ool_pressure");
    long churn = sys_task_spawn("swap_churn", "3");
    if (!TEST_CHECK(churn > 0, "spawn swap_churn: %ld", churn))
        return test_report("test_ool_pressure");
    unsigned rounds = 0, bad = 0;
    while (sys_task_info_host(task_port_of(churn), churn, &info) == 0 && info.threads > 0) {
        long buf = sys_vm_allocate(OP_PAGES * PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE);
        if (!TEST_CHECK(buf > 0, "allocate"))
            break;
        for (unsigned i = 0; i < OP_PAGES; i++)
            sw_stamp((volatile uint64_t *)(buf + i * PAGE_SIZE), buf + i * PAGE_SIZE, rounds);
        sys_sleep_ns(20000000); /* swap_churn pushes some of them out */
        for (unsigned c = 0; c < COPIES; c++)
            bad += op_round(port, buf, IPC_OOL_COPY, rounds);
        bad += op_round(port, buf, IPC_OOL_MOVE, rounds);
        sys_vm_deallocate((void *)buf, OP_PAGES * PAGE_SIZE);
        rounds++;
    }
    struct task_status st;
    TEST_CHECK(sys_task_wait(task_port_of(churn), &st) == 0 && st.end == TASK_END_EXIT &&
                   st.code == 0,
               "swap_churn ended %d with %d", st.end, st.code);
    printf("test_ool_pressure: %u rounds of %u pages copied %u times and moved under pressure\n",
           rounds, OP_PAGES, COPIES);
    TEST_CHECK(rounds >= 3, "only %u rounds", rounds);
    TEST_CHECK(bad == 0, "%u pages arrived wrong", bad);
    port_destroy(port);
    return test_report("test_ool_pressure");
}
