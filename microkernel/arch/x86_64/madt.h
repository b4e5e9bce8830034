/*
 * The ACPI tables the kernel reads (MADT: interrupt controllers and
 * processors) and a bounds-checked walk over the MADT's entries. No hardware
 * access here: madt.c is also built into a host test.
 */
#ifndef ARCH_X86_64_MADT_H
#define ARCH_X86_64_MADT_H

#include <stdint.h>

#define MADT_LAPIC 0  /* a processor's local APIC */
#define MADT_IOAPIC 1 /* an I/O APIC */
#define MADT_ISO 2    /* interrupt source override */

#define MADT_LAPIC_ENABLED (1u << 0)
#define MADT_LAPIC_ONLINE_CAPABLE (1u << 1)

struct acpi_header {
    char signature[4];
    uint32_t length;
    uint8_t revision, checksum;
    char oem[6], oem_table[8];
    uint32_t oem_revision, creator, creator_revision;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_header) == 36, "ACPI header layout");

/* After the header: the local APIC address (u32) and flags (u32), then entries. */
#define MADT_ENTRIES_OFFSET (sizeof(struct acpi_header) + 8)

struct madt_entry {
    uint8_t type, length;
    union {
        struct {
            uint8_t processor, apic_id;
            uint32_t flags;
        } __attribute__((packed)) lapic;
        struct {
            uint8_t id, reserved;
            uint32_t address, gsi_base;
        } __attribute__((packed)) ioapic;
        struct {
            uint8_t bus, source;
            uint32_t gsi;
            uint16_t flags;
        } __attribute__((packed)) iso;
    };
} __attribute__((packed));

/*
 * The entry of @madt after @prev (NULL: the first), or NULL at the end of
 * the table. An entry shorter than its type's fields, or one running past
 * the table's length, ends the walk: a broken table is read up to there.
 */
const struct madt_entry *madt_next(const struct acpi_header *madt, const struct madt_entry *prev);

/*
 * The local APIC ids of the processors @madt lists as enabled or online
 * capable, each once, in table order: at most @max into @ids. Returns how
 * many it stored. Processor entries of other kinds (x2APIC) are skipped.
 */
unsigned madt_cpus(const struct acpi_header *madt, uint32_t *ids, unsigned max);

#endif
