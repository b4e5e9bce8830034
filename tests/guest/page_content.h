/*
 * Page contents for the compressed pager's test and benchmark, the same on
 * every run: text-like (the lines of a pager's log: words, a timestamp, a
 * counter and an offset per line, as a log or a text file holds them),
 * random bytes (incompressible) and one word with zeros around it.
 */
#ifndef PAGE_CONTENT_H
#define PAGE_CONTENT_H

#include <stdint.h>

/* Fill the 4096 bytes at @page with text-like content for @seed and @index. */
void page_fill_text(char *page, uint64_t seed, uint64_t index);

/* Fill the 4096 bytes at @page with random bytes for @seed and @index. */
void page_fill_random(char *page, uint64_t seed, uint64_t index);

/* Fill the 4096 bytes at @page with zeros and one non-zero word at a place of @index. */
void page_fill_word(char *page, uint64_t seed, uint64_t index);

#endif
