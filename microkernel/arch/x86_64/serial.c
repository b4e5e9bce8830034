/*
 * The kernel console: COM1 at 115200 baud, 8N1. Output is polled; newlines
 * are sent as CR LF so logs read well on any terminal. Input raises ISA
 * interrupt 4 once the console server has attached (serial_rx_enable).
 */
#include "arch_x86_64.h"
#include "cpu.h"

#define COM1 0x3f8
#define COM1_ISA_IRQ 4
#define IER_RX (1u << 0)   /* interrupt when a byte arrives */
#define MCR_OUT2 (1u << 3) /* lets the interrupt reach the interrupt controller */
#define LSR_DATA (1u << 0)

void serial_init(void)
{
    outb(COM1 + 1, 0x00); /* no interrupts */
    outb(COM1 + 3, 0x80); /* DLAB on */
    outb(COM1 + 0, 0x01); /* divisor 1: 115200 baud */
    outb(COM1 + 1, 0x00);
    outb(COM1 + 3, 0x03); /* 8N1, DLAB off */
    outb(COM1 + 2, 0x07); /* FIFO on, cleared, an interrupt per byte */
    outb(COM1 + 4, 0x03); /* DTR, RTS */
}

static void serial_putc(char c)
{
    for (int spin = 0; spin < 100000 && !(inb(COM1 + 5) & 0x20); spin++)
        ;
    outb(COM1, (uint8_t)c);
}

void serial_write(const char *s, unsigned long len)
{
    for (unsigned long i = 0; i < len; i++) {
        if (s[i] == '\n')
            serial_putc('\r');
        serial_putc(s[i]);
    }
}

void serial_rx_enable(void)
{
    outb(COM1 + 4, 0x03 | MCR_OUT2);
    outb(COM1 + 1, IER_RX);
}

unsigned serial_rx_drain(uint8_t *buf, unsigned max)
{
    unsigned n = 0;

    while (n < max && (inb(COM1 + 5) & LSR_DATA))
        buf[n++] = inb(COM1);
    return n;
}

bool arch_console_input_start(uint64_t acpi_rsdp)
{
    if (!ioapic_route_isa(acpi_rsdp, COM1_ISA_IRQ, VECTOR_CONSOLE))
        return false;
    serial_rx_enable();
    return true;
}
