/*
 * Aging (section 3.4.7), the replacement policy of policy_pager: the pages a
 * pager keeps resident within its frame quota, each with an 8-bit counter
 * that every round shifts right and takes the referenced bit in at the top
 * (the R and M bits come from the kernel's query_bits, one byte per page).
 * The victim is the page with the smallest counter. Pure bookkeeping on a
 * table sorted by object and offset, so that a round reads the bits of
 * neighbouring pages with one query; host-tested (pager/tests/test_aging.c).
 */
#ifndef PAGER_AGING_H
#define PAGER_AGING_H

#include <stdbool.h>
#include <stdint.h>

/* query_bits' byte per page (memory_object_control.idl). */
#define AGING_BIT_RESIDENT 0x1u
#define AGING_BIT_REF 0x2u
#define AGING_BIT_MOD 0x4u
#define AGING_NEW 0x80u /* a page just brought in counts as referenced in the last round */

struct aging_page {
    uint64_t obj;    /* the object (the pager's key for it) */
    uint64_t offset; /* bytes, page aligned */
    uint8_t age;     /* bit 7: referenced in the last round, bit 6: the round before, ... */
    bool modified;   /* M seen since it came in: evicting it costs a write */
    bool vetoed;     /* the kernel left it (pinned or busy) the last time it was chosen */
};

/* The tracked pages, sorted by (obj, offset), in a caller's array of @cap entries. */
struct aging_set {
    struct aging_page *pages;
    uint32_t n, cap;
};

/* Index of (@obj, @offset) in @s, or -1. */
int aging_find(const struct aging_set *s, uint64_t obj, uint64_t offset);

/*
 * Track (@obj, @offset) as just brought in (age AGING_NEW, not vetoed); a
 * page already tracked is renewed. Returns its index, or -1 when @s is full.
 */
int aging_add(struct aging_set *s, uint64_t obj, uint64_t offset);

/* Stop tracking entry @i. */
void aging_remove(struct aging_set *s, uint32_t i);

/* Stop tracking every page of @obj. Returns how many went. */
uint32_t aging_forget(struct aging_set *s, uint64_t obj);

/*
 * The end of the batch that starts at entry @i: the entries after it of the
 * same object whose pages lie within @max_pages of entry @i's (one
 * query_bits from entry @i's offset covers them all).
 */
uint32_t aging_batch(const struct aging_set *s, uint32_t i, uint32_t max_pages);

/*
 * One round for the batch [@i, @end): @bits holds query_bits' byte of each
 * page from offset @first on. Each counter shifts right and takes R in at
 * bit 7; M is remembered; vetoes are forgotten; a page no longer resident (pageout took it, or the
 * object went) stops being tracked. Returns the index after the batch's
 * remaining entries (where the next batch starts).
 */
uint32_t aging_apply(struct aging_set *s, uint32_t i, uint32_t end, const uint8_t *bits,
                     uint64_t first);

/*
 * The victim: the smallest counter among the pages not vetoed, a clean page
 * before a modified one of the same counter, then the first in the table.
 * Returns its index, or -1 when every page is vetoed (or none is tracked).
 */
int aging_victim(const struct aging_set *s);

#endif
