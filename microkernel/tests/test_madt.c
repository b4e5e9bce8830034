/*
 * The MADT walk (arch/x86_64/madt.c) on hand-built tables: enabled and
 * online-capable processors are counted once each, disabled ones and
 * x2APIC entries are skipped, the other entry kinds are walked over, and a
 * truncated or malformed table is read up to its last whole entry without
 * reading past its length.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arch/x86_64/madt.h>

#define TABLE_MAX 256
#define MAX(a, b) ((a) > (b) ? (a) : (b))

struct table {
    uint8_t b[TABLE_MAX];
    uint32_t len;
};

/* An MADT with its header and the 8 bytes after it, no entries yet. */
static void table_init(struct table *t)
{
    memset(t, 0, sizeof(*t));
    memcpy(t->b, "APIC", 4);
    t->len = MADT_ENTRIES_OFFSET;
}

/* Append entry @type of @len bytes, its body from @body; return its offset. */
static uint32_t table_add(struct table *t, uint8_t type, uint8_t len, const uint8_t *body)
{
    uint32_t at = t->len;

    t->b[at] = type;
    t->b[at + 1] = len;
    if (len > 2)
        memcpy(t->b + at + 2, body, len - 2u);
    t->len += len;
    return at;
}

static void table_add_lapic(struct table *t, uint8_t apic_id, uint32_t flags)
{
    uint8_t body[6] = {apic_id,
                       apic_id,
                       (uint8_t)flags,
                       (uint8_t)(flags >> 8),
                       (uint8_t)(flags >> 16),
                       (uint8_t)(flags >> 24)};

    table_add(t, MADT_LAPIC, 8, body);
}

/* A copy of @t in a buffer of exactly @len bytes (ASan sees any read past it). */
static struct acpi_header *table_exact(const struct table *t, uint32_t len)
{
    struct acpi_header *h = malloc(len);

    assert_non_null(h);
    memcpy(h, t->b, len);
    h->length = len;
    return h;
}

/* Every kind of entry the firmware may give, processors among them. */
static void table_mixed(struct table *t)
{
    static const uint8_t ioapic[10] = {1, 0, 0x00, 0x00, 0xc0, 0xfe, 0, 0, 0, 0};
    static const uint8_t iso[8] = {0, 0, 2, 0, 0, 0, 0, 0};
    static const uint8_t x2apic[14] = {0, 0, 7, 0, 0, 0, 1, 0, 0, 0, 7, 0, 0, 0};

    table_init(t);
    table_add_lapic(t, 0, MADT_LAPIC_ENABLED);
    table_add_lapic(t, 2, 0); /* disabled */
    table_add_lapic(t, 3, MADT_LAPIC_ONLINE_CAPABLE);
    table_add(t, 9, 16, x2apic); /* local x2APIC: skipped */
    table_add(t, MADT_IOAPIC, 12, ioapic);
    table_add(t, MADT_ISO, 10, iso);
    table_add_lapic(t, 5, MADT_LAPIC_ENABLED);
    table_add_lapic(t, 0, MADT_LAPIC_ENABLED); /* the same processor again */
}

static void test_madt_cpus_mixed(void **state)
{
    struct table t;
    uint32_t ids[8];
    (void)state;

    table_mixed(&t);
    struct acpi_header *h = table_exact(&t, t.len);
    assert_int_equal(madt_cpus(h, ids, 8), 3);
    assert_int_equal(ids[0], 0);
    assert_int_equal(ids[1], 3);
    assert_int_equal(ids[2], 5);
    assert_int_equal(madt_cpus(h, ids, 2), 2); /* at most @max */
    assert_int_equal(ids[1], 3);
    unsigned walked = 0, ioapics = 0;
    for (const struct madt_entry *e = madt_next(h, NULL); e; e = madt_next(h, e)) {
        walked++;
        ioapics += e->type == MADT_IOAPIC && e->ioapic.address == 0xfec00000u;
    }
    assert_int_equal(walked, 8);
    assert_int_equal(ioapics, 1);
    free(h);
}

/* Cut anywhere, the table yields the processors of its whole entries only. */
static void test_madt_cpus_truncated(void **state)
{
    struct table t;
    uint32_t ids[8];
    (void)state;

    table_mixed(&t);
    /* Where the entries of the processors counted end (table_mixed's layout). */
    const uint32_t ends[3] = {MADT_ENTRIES_OFFSET + 8, MADT_ENTRIES_OFFSET + 24,
                              MADT_ENTRIES_OFFSET + 70};
    for (uint32_t len = 0; len <= t.len; len++) {
        struct acpi_header *h = table_exact(&t, MAX(len, (uint32_t)sizeof(struct acpi_header)));
        h->length = len;
        unsigned expect = (len >= ends[0]) + (len >= ends[1]) + (len >= ends[2]);
        assert_int_equal(madt_cpus(h, ids, 8), expect);
        free(h);
    }
}

/* An entry of length 0 or 1, or shorter than its kind, ends the walk. */
static void test_madt_bad_entries(void **state)
{
    struct table t;
    uint32_t ids[8];
    static const uint8_t body[6] = {9, 9, 1, 0, 0, 0};
    (void)state;

    for (uint8_t bad_len = 0; bad_len < 8; bad_len++) {
        table_init(&t);
        table_add_lapic(&t, 1, MADT_LAPIC_ENABLED);
        uint32_t at = table_add(&t, MADT_LAPIC, 8, body);
        t.b[at + 1] = bad_len;
        table_add_lapic(&t, 4, MADT_LAPIC_ENABLED);
        struct acpi_header *h = table_exact(&t, t.len);
        assert_int_equal(madt_cpus(h, ids, 8), 1);
        assert_int_equal(ids[0], 1);
        free(h);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_madt_cpus_mixed),
        cmocka_unit_test(test_madt_cpus_truncated),
        cmocka_unit_test(test_madt_bad_entries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
