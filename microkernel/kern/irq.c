/*
 * Interrupts as messages for user-space drivers. A driver attaches a port and
 * gets a vector, which it programs into its device (MSI: address
 * IRQ_MSI_ADDRESS, data = the vector). Each interrupt becomes an
 * interrupt.irq message (interrupt.idl) on that port; until the driver acknowledges it, further
 * interrupts on the vector are only counted, so one device cannot flood the kernel with messages.
 */
#include <abi/errors.h>
#include <interrupt_kabi.h>
#include <ipc/ipc.h>
#include <ipc/ipc_right.h>
#include <kern/irq.h>
#include <task/task.h>

struct irq_binding {
    struct task *owner;
    struct kright port; /* a send right to the driver's port */
    bool pending;       /* a message is out and not acknowledged */
    uint64_t coalesced; /* interrupts while pending */
};

static struct irq_binding irqs[IRQ_COUNT];
static uint64_t irqs_taken[ARCH_MAX_CPUS]; /* per CPU (irq_taken_on) */

uint64_t irq_taken_on(unsigned cpu)
{
    return cpu < ARCH_MAX_CPUS ? irqs_taken[cpu] : 0;
}

int irq_attach(struct task *owner, struct kright *port)
{
    for (unsigned i = 0; i < IRQ_COUNT; i++) {
        if (irqs[i].owner)
            continue;
        irqs[i] = (struct irq_binding){.owner = owner, .port = *port};
        port->port = NULL;
        return (int)(IRQ_FIRST + i);
    }
    return -ERR_LIMIT;
}

static struct irq_binding *irq_of(struct task *owner, unsigned vector)
{
    if (vector < IRQ_FIRST || vector >= IRQ_FIRST + IRQ_COUNT)
        return NULL;
    struct irq_binding *b = &irqs[vector - IRQ_FIRST];
    return b->owner == owner ? b : NULL;
}

void irq_deliver(unsigned vector)
{
    struct irq_binding *b = &irqs[vector - IRQ_FIRST];
    struct port *p = b->port.port;

    irqs_taken[arch_cpu_id()]++;
    if (!p || p->dead)
        return;
    if (b->pending) {
        b->coalesced++;
        return;
    }
    struct kmsg *m = ipc_kmsg_alloc(false);
    if (!m)
        return;               /* the device raises it again, or the driver polls */
    m->id = INTERRUPT_IRQ_ID; /* one way: no reply right, no descriptors, no inline bytes */
    m->w[INTERRUPT_IRQ_VECTOR_SLOT] = vector;
    m->w[INTERRUPT_IRQ_COALESCED_SLOT] = b->coalesced;
    b->coalesced = 0;
    b->pending = true;
    port_enqueue(p, m); /* at most one per vector: the queue limit does not apply */
}

int irq_ack(struct task *owner, unsigned vector)
{
    struct irq_binding *b = irq_of(owner, vector);

    if (!b)
        return -ERR_INVAL;
    b->pending = false;
    return 0;
}

void irq_release_task(struct task *owner)
{
    for (unsigned i = 0; i < IRQ_COUNT; i++) {
        if (irqs[i].owner != owner)
            continue;
        ipc_right_release(&irqs[i].port);
        irqs[i] = (struct irq_binding){0};
    }
}
