/*
 * Interrupts as messages (issue 5, item 1). The test is the driver of QEMU's
 * "edu" teaching device (the harness adds `-device edu`): it finds it on PCI,
 * maps its registers, attaches a port to a vector and programs the device's
 * MSI capability with it. Each interrupt the device raises must arrive as one
 * interrupt.irq message (interrupt.idl, served by the generated dispatch);
 * more interrupts before the acknowledgement are only counted; without an
 * interrupt no message comes.
 */
#include <interrupt_defs.h>
#include <ipc/fmt.h>
#include <ipc/ipc.h>
#include <ipc/sys.h>
#include <ipc/test.h>

#define EDU_ID 0x11e81234u
#define EDU_IDENT 0x00
#define EDU_IRQ_STATUS 0x24
#define EDU_IRQ_RAISE 0x60
#define EDU_IRQ_ACK 0x64
#define MS 1000000ull

/* What the last interrupt.irq message said, and how many arrived. */
static struct {
    unsigned count;
    uint64_t vector, coalesced;
} irq_seen;

/* Handler of interrupt.irq (called by the generated dispatch). */
int interrupt_do_irq(void *ctx, uint32_t vector, uint64_t coalesced)
{
    (void)ctx;
    irq_seen.count++;
    irq_seen.vector = vector;
    irq_seen.coalesced = coalesced;
    return 0;
}

/* Receive on @port within @ms: 0 when an interrupt.irq message came, else the error. */
static long irq_wait(struct ipc_message *m, port_name_t port, uint64_t ms)
{
    static struct ipc_message none; /* a one-way message is never answered */
    unsigned before = irq_seen.count;
    long r = ipc_recv(m, port, ms * MS);

    if (r == 0 && (interrupt_dispatch(NULL, m, &none) || irq_seen.count != before + 1))
        r = -ERR_INVAL;
    return r;
}

static long irq_find_edu(void)
{
    for (unsigned dev = 0; dev < 32; dev++)
        if ((uint32_t)sys_pci_read32(dev << 3, 0) == EDU_ID)
            return dev << 3;
    return -1;
}

/* Point the MSI capability of @bdf at @vector and enable it. */
static int irq_program_msi(unsigned bdf, unsigned vector)
{
    unsigned cap = (unsigned)sys_pci_read32(bdf, 0x34) & 0xfc;

    for (int n = 0; cap && n < 16; n++) {
        uint32_t head = (uint32_t)sys_pci_read32(bdf, cap);
        if ((head & 0xff) == 0x05) { /* MSI */
            bool wide = head & (1u << 23);
            sys_pci_write32(bdf, cap + 4, IRQ_MSI_ADDRESS);
            if (wide)
                sys_pci_write32(bdf, cap + 8, 0);
            sys_pci_write32(bdf, cap + (wide ? 12 : 8), vector);
            sys_pci_write32(bdf, cap, head | (1u << 16)); /* MSI enable */
            return 0;
        }
        cap = (head >> 8) & 0xfc;
    }
    return -1;
}

int main(void)
{
    struct ipc_message m;
    port_name_t port;

    long bdf = irq_find_edu();
    if (!TEST_CHECK(bdf >= 0, "no edu device"))
        return test_report("test_irq");
    uint32_t cmd = (uint32_t)sys_pci_read32((unsigned)bdf, 4);
    sys_pci_write32((unsigned)bdf, 4, cmd | 0x6); /* memory decoding, bus master */
    uint64_t bar = (uint32_t)sys_pci_read32((unsigned)bdf, 0x10) & ~0xfull;
    volatile uint32_t *regs = (volatile uint32_t *)sys_vm_map_device(bar, 4096);
    if (!TEST_CHECK((long)regs > 0 && (regs[EDU_IDENT / 4] & 0xff) == 0xed, "edu registers"))
        return test_report("test_irq");
    TEST_CHECK(port_allocate(IPC_RIGHT_RECEIVE, &port) == 0, "port");
    long vector = sys_irq_attach(port);
    TEST_CHECK(vector >= 33 && vector <= 47, "attach: %ld", vector);
    TEST_CHECK(irq_program_msi((unsigned)bdf, (unsigned)vector) == 0, "no MSI capability");
    TEST_CHECK(irq_wait(&m, port, 50) == -ERR_TIMEOUT, "a message without an interrupt");
    for (unsigned round = 0; round < 3; round++) {
        regs[EDU_IRQ_RAISE / 4] = 1u << round;
        long r = irq_wait(&m, port, 1000);
        TEST_CHECK(r == 0 && irq_seen.vector == (uint64_t)vector, "round %u: %ld, id %x", round, r,
                   m.id);
        TEST_CHECK(regs[EDU_IRQ_STATUS / 4] & (1u << round), "device status");
        regs[EDU_IRQ_ACK / 4] = 1u << round;
        TEST_CHECK(sys_irq_ack(vector) == 0, "ack");
    }
    /* Not acknowledged: the next interrupt is only counted. */
    regs[EDU_IRQ_RAISE / 4] = 1u << 3;
    TEST_CHECK(irq_wait(&m, port, 1000) == 0, "first of two");
    regs[EDU_IRQ_RAISE / 4] = 1u << 4;
    TEST_CHECK(irq_wait(&m, port, 50) == -ERR_TIMEOUT, "a second message before the ack");
    TEST_CHECK(sys_irq_ack(vector) == 0, "ack");
    regs[EDU_IRQ_RAISE / 4] = 1u << 5;
    TEST_CHECK(irq_wait(&m, port, 1000) == 0 && irq_seen.coalesced == 1,
               "the counted interrupt was not reported (%lu)", (unsigned long)irq_seen.coalesced);
    regs[EDU_IRQ_ACK / 4] = 0x38;
    TEST_CHECK(sys_irq_ack(vector) == 0, "ack");
    TEST_CHECK(sys_irq_ack(12) == -ERR_INVAL, "ack of a vector not ours");
    printf("test_irq: edu interrupts arrived as messages on vector %ld\n", vector);
    return test_report("test_irq");
}
