/*
 * Page contents for the compressed pager's test and benchmark (page_content.h).
 */
#include "page_content.h"

#include <stdio.h>
#include <string.h>

#define PC_PAGE 4096u

/* xorshift64 from a state mixed from @seed and @index (never 0). */
static uint64_t pc_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static uint64_t pc_state(uint64_t seed, uint64_t index)
{
    return (seed * 0x9e3779b97f4a7c15ull) ^ (index * 0xbf58476d1ce4e5b9ull) ^ 1u;
}

void page_fill_text(char *page, uint64_t seed, uint64_t index)
{
    static const char *const events[] = {"supplied", "returned", "unavailable", "compressed",
                                         "written to disk"};
    uint64_t s = pc_state(seed, index), n = index * 64;
    unsigned at = 0;
    char line[128];

    while (at < PC_PAGE) {
        int len = snprintf(line, sizeof(line), "[%8lu] pager: object %lu offset 0x%lx %s\n",
                           (unsigned long)(n * 37 + pc_next(&s) % 16), (unsigned long)(index % 8),
                           (unsigned long)(n * PC_PAGE), events[pc_next(&s) % 5]);
        n++;
        for (int i = 0; i < len && at < PC_PAGE; i++)
            page[at++] = line[i];
    }
}

void page_fill_random(char *page, uint64_t seed, uint64_t index)
{
    uint64_t s = pc_state(seed, index);

    for (unsigned i = 0; i < PC_PAGE; i += 8) {
        uint64_t v = pc_next(&s);
        memcpy(page + i, &v, 8);
    }
}

void page_fill_word(char *page, uint64_t seed, uint64_t index)
{
    uint64_t s = pc_state(seed, index), v = pc_next(&s);

    memset(page, 0, PC_PAGE);
    memcpy(page + (index % (PC_PAGE / 8)) * 8, &v, 8);
}
