/*
 * Normalisation of the translated memory map: sort by base, merge touching
 * ranges of one type, and, if the map is still longer than boot_info holds,
 * merge further in the direction of safety (memory is only ever reported as
 * less usable than it is). Pure code: it runs after the final GetMemoryMap,
 * where nothing may allocate or print.
 */
#include "loader.h"

static uint64_t memrange_end(const struct boot_mem_range *r)
{
    return r->base + r->pages * PAGE_SIZE;
}

void memrange_sort(struct boot_mem_range *r, uint32_t n)
{
    struct boot_mem_range key;
    uint32_t i, j;

    for (i = 1; i < n; i++) {
        key = r[i];
        for (j = i; j > 0 && r[j - 1].base > key.base; j--)
            r[j] = r[j - 1];
        r[j] = key;
    }
}

uint32_t memrange_merge(struct boot_mem_range *r, uint32_t n)
{
    uint32_t in, out = 0;

    for (in = 0; in < n; in++) {
        if (r[in].pages == 0)
            continue;
        if (out > 0 && r[out - 1].type == r[in].type && memrange_end(&r[out - 1]) == r[in].base) {
            r[out - 1].pages += r[in].pages;
            continue;
        }
        r[out++] = r[in];
    }
    return out;
}

static int memrange_usable(uint32_t type)
{
    return type == BOOT_MEM_FREE || type == BOOT_MEM_LOADER || type == BOOT_MEM_ACPI_RECLAIM;
}

/* The type a lossy merge of @a and @b gets: a shared unusable type, else RESERVED. */
static uint32_t memrange_merged_type(const struct boot_mem_range *a, const struct boot_mem_range *b)
{
    if (a->type == b->type && !memrange_usable(a->type))
        return a->type;
    return BOOT_MEM_RESERVED;
}

/* Usable pages lost by merging r[i] and r[i + 1]. */
static uint64_t memrange_merge_cost(const struct boot_mem_range *r, uint32_t i)
{
    uint32_t type = memrange_merged_type(&r[i], &r[i + 1]);
    uint64_t cost = 0;

    if (memrange_usable(r[i].type) && r[i].type != type)
        cost += r[i].pages;
    if (memrange_usable(r[i + 1].type) && r[i + 1].type != type)
        cost += r[i + 1].pages;
    return cost;
}

uint32_t memrange_fit(struct boot_mem_range *r, uint32_t n, uint32_t max, uint64_t *lost)
{
    uint64_t cost, best_cost;
    uint32_t i, best;

    *lost = 0;
    while (n > max && n >= 2) {
        best = 0;
        best_cost = memrange_merge_cost(r, 0);
        for (i = 1; i + 1 < n; i++) {
            cost = memrange_merge_cost(r, i);
            if (cost < best_cost) {
                best = i;
                best_cost = cost;
            }
        }
        *lost += best_cost;
        r[best].type = memrange_merged_type(&r[best], &r[best + 1]);
        r[best].pages = (memrange_end(&r[best + 1]) - r[best].base) / PAGE_SIZE;
        for (i = best + 1; i + 1 < n; i++)
            r[i] = r[i + 1];
        n = memrange_merge(r, n - 1);
    }
    return n;
}
