/*
 * The walk over the ACPI MADT's entries, shared by the I/O APIC routing
 * (acpi.c) and processor discovery (smp.c). Each entry is checked against
 * the table's length before it is read, so a truncated or malformed table
 * ends the walk instead of reading past it.
 */
#include "madt.h"

#include <stdbool.h>
#include <stddef.h>

/* The bytes an entry of @type must have for the fields this kernel reads. */
static unsigned madt_entry_min(uint8_t type)
{
    switch (type) {
    case MADT_LAPIC:
        return 8;
    case MADT_IOAPIC:
        return 12;
    case MADT_ISO:
        return 10;
    default:
        return 2;
    }
}

const struct madt_entry *madt_next(const struct acpi_header *madt, const struct madt_entry *prev)
{
    const uint8_t *start = (const uint8_t *)madt;
    const uint8_t *p = prev ? (const uint8_t *)prev + prev->length : start + MADT_ENTRIES_OFFSET;

    if (madt->length < MADT_ENTRIES_OFFSET)
        return NULL;
    const uint8_t *end = start + madt->length;
    if (p >= end || end - p < 2 || p[1] < 2 || p[1] > end - p)
        return NULL;
    const struct madt_entry *e = (const struct madt_entry *)p;
    if (e->length < madt_entry_min(e->type))
        return NULL;
    return e;
}

unsigned madt_cpus(const struct acpi_header *madt, uint32_t *ids, unsigned max)
{
    unsigned n = 0;

    for (const struct madt_entry *e = madt_next(madt, NULL); e && n < max; e = madt_next(madt, e)) {
        if (e->type != MADT_LAPIC ||
            !(e->lapic.flags & (MADT_LAPIC_ENABLED | MADT_LAPIC_ONLINE_CAPABLE)))
            continue;
        bool seen = false;
        for (unsigned i = 0; i < n; i++)
            seen = seen || ids[i] == e->lapic.apic_id;
        if (!seen)
            ids[n++] = e->lapic.apic_id;
    }
    return n;
}
