/*
 * Console input. The machine layer hands over typed bytes in interrupt
 * context; they wait in a fixed ring (bytes beyond it are counted, never
 * queued without limit). One task at a time, holding the host-privilege right,
 * attaches a port and is told with a console.input message when bytes wait;
 * until it reads, later bytes send no further message, so typing cannot
 * flood its queue.
 */
#include <abi/errors.h>
#include <arch/arch.h>
#include <console_kabi.h>
#include <ipc/ipc.h>
#include <ipc/ipc_right.h>
#include <kern/console.h>
#include <kern/host.h>
#include <kern/printk.h>
#include <lib/lib.h>
#include <syscalls_kabi.h>
#include <task/task.h>
#include <vm/vm_copy.h>

#define CONSOLE_RING 1024u /* a power of two */

static struct {
    uint8_t ring[CONSOLE_RING];
    uint32_t head, tail; /* free-running: head - tail bytes wait */
    uint64_t dropped;    /* since the last message */
    bool enabled;        /* the receive interrupt is routed */
    struct task *owner;  /* the console server, or NULL */
    struct kright port;  /* a send right to its port */
    bool pending;        /* a message is out and nothing was read since */
} con;

static uint32_t console_waiting(void)
{
    return con.head - con.tail;
}

/* Tell the server bytes wait, once until it reads. */
static void console_notify(void)
{
    struct port *p = con.port.port;

    KASSERT(!p || con.owner); /* a receiver only while a server is attached */
    if (!p || p->dead || con.pending || console_waiting() == 0)
        return;
    struct kmsg *m = ipc_kmsg_alloc(false);
    if (!m)
        return;               /* the next byte tries again */
    m->id = CONSOLE_INPUT_ID; /* one way: no reply right, no descriptors */
    m->w[CONSOLE_INPUT_COUNT_SLOT] = console_waiting();
    m->w[CONSOLE_INPUT_DROPPED_SLOT] = con.dropped;
    con.dropped = 0;
    con.pending = true;
    port_enqueue(p, m); /* at most one at a time: the queue limit does not apply */
}

void console_input(const uint8_t *bytes, unsigned n)
{
    KASSERT(console_waiting() <= CONSOLE_RING);
    for (unsigned i = 0; i < n; i++) {
        if (console_waiting() == CONSOLE_RING) {
            con.dropped += n - i;
            break;
        }
        con.ring[con.head++ % CONSOLE_RING] = bytes[i];
    }
    console_notify();
}

void console_init(uint64_t acpi_rsdp)
{
    con.enabled = arch_console_input_start(acpi_rsdp);
    if (!con.enabled)
        kprintf("console: no input (no I/O APIC found)\n");
}

void console_release_task(struct task *task)
{
    if (con.owner != task)
        return;
    con.owner = NULL;
    con.pending = false;
    ipc_right_release(&con.port);
}

int64_t sys_console_attach(struct task *self, port_name_t host, port_name_t port)
{
    if (host_priv_check(self, host) != 0)
        return -ERR_PERM;
    if (!con.enabled)
        return -ERR_NOSYS;
    if (con.owner)
        return -ERR_BUSY;
    int err = ipc_right_make_send(&self->ipc, port, &con.port);
    if (err)
        return err;
    con.owner = self;
    console_notify(); /* bytes typed before it attached */
    return 0;
}

int64_t sys_console_read(struct task *self, uint64_t buf, uint64_t len)
{
    uint32_t n = (uint32_t)MIN(len, (uint64_t)console_waiting());

    if (con.owner != self)
        return -ERR_PERM;
    for (uint32_t done = 0; done < n;) {
        uint32_t at = con.tail % CONSOLE_RING, chunk = MIN(n - done, CONSOLE_RING - at);
        if (vm_copy_out(&self->map, buf + done, &con.ring[at], chunk) != 0)
            return -ERR_FAULT; /* nothing taken beyond what was copied */
        con.tail += chunk;
        done += chunk;
    }
    con.pending = false;
    console_notify(); /* more than the caller took */
    return n;
}
