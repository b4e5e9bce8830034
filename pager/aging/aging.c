/*
 * Aging over a sorted table of tracked pages (aging.h): the counters, the
 * batches a round reads with one query_bits each, and the choice of victim.
 */
#include "aging.h"

#include <stddef.h>

#define AGING_PAGE 4096u

/* Is (@obj, @offset) before entry @p in the table's order? */
static bool aging_before(uint64_t obj, uint64_t offset, const struct aging_page *p)
{
    return obj < p->obj || (obj == p->obj && offset < p->offset);
}

/* The first index whose entry is not before (@obj, @offset). */
static uint32_t aging_lower(const struct aging_set *s, uint64_t obj, uint64_t offset)
{
    uint32_t lo = 0, hi = s->n;

    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        const struct aging_page *p = &s->pages[mid];
        if (p->obj < obj || (p->obj == obj && p->offset < offset))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int aging_find(const struct aging_set *s, uint64_t obj, uint64_t offset)
{
    uint32_t i = aging_lower(s, obj, offset);

    if (i < s->n && s->pages[i].obj == obj && s->pages[i].offset == offset)
        return (int)i;
    return -1;
}

int aging_add(struct aging_set *s, uint64_t obj, uint64_t offset)
{
    uint32_t i = aging_lower(s, obj, offset);
    struct aging_page fresh = {.obj = obj, .offset = offset, .age = AGING_NEW};

    if (i < s->n && !aging_before(obj, offset, &s->pages[i])) {
        s->pages[i] = fresh; /* tracked already: pageout took it unseen, it came back */
        return (int)i;
    }
    if (s->n == s->cap)
        return -1;
    for (uint32_t j = s->n; j > i; j--)
        s->pages[j] = s->pages[j - 1];
    s->pages[i] = fresh;
    s->n++;
    return (int)i;
}

void aging_remove(struct aging_set *s, uint32_t i)
{
    for (uint32_t j = i; j + 1 < s->n; j++)
        s->pages[j] = s->pages[j + 1];
    s->n--;
}

uint32_t aging_forget(struct aging_set *s, uint64_t obj)
{
    uint32_t first = aging_lower(s, obj, 0), end = first;

    while (end < s->n && s->pages[end].obj == obj)
        end++;
    for (uint32_t j = end; j < s->n; j++)
        s->pages[first + j - end] = s->pages[j];
    s->n -= end - first;
    return end - first;
}

uint32_t aging_batch(const struct aging_set *s, uint32_t i, uint32_t max_pages)
{
    uint32_t end = i + 1;
    const struct aging_page *head = &s->pages[i];

    while (end < s->n && s->pages[end].obj == head->obj &&
           (s->pages[end].offset - head->offset) / AGING_PAGE < max_pages)
        end++;
    return end;
}

uint32_t aging_apply(struct aging_set *s, uint32_t i, uint32_t end, const uint8_t *bits,
                     uint64_t first)
{
    uint32_t kept = i;

    for (uint32_t j = i; j < end; j++) {
        struct aging_page p = s->pages[j];
        uint8_t b = bits[(p.offset - first) / AGING_PAGE];
        if (!(b & AGING_BIT_RESIDENT))
            continue; /* gone without us: no longer ours to count */
        p.age = (uint8_t)(p.age >> 1 | ((b & AGING_BIT_REF) ? 0x80u : 0u));
        p.modified |= (b & AGING_BIT_MOD) != 0;
        p.vetoed = false; /* a new round: a pin may have gone */
        s->pages[kept++] = p;
    }
    for (uint32_t j = end; j < s->n; j++)
        s->pages[kept + j - end] = s->pages[j];
    s->n -= end - kept;
    return kept;
}

int aging_victim(const struct aging_set *s)
{
    int best = -1;

    for (uint32_t i = 0; i < s->n; i++) {
        const struct aging_page *p = &s->pages[i];
        if (p->vetoed)
            continue;
        /* The key: the counter, then modified after clean. */
        unsigned key = (unsigned)p->age << 1 | p->modified;
        if (best < 0 || key < ((unsigned)s->pages[best].age << 1 | s->pages[best].modified))
            best = (int)i;
    }
    return best;
}
