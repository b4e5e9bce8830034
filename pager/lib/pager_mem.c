/*
 * The framework's allocator (pager_mem.h): one free list per power-of-two
 * size class and a bump pointer per arena, all under one spin lock. Blocks
 * carry no header: pager_mem_free takes the size back from the caller.
 */
#include <pager/pager_mem.h>

#include <abi/page.h>
#include <stdint.h>

#define PAGER_MEM_ARENAS 8
#define PAGER_MEM_CLASSES (PAGER_MEM_MAX_SHIFT - PAGER_MEM_MIN_SHIFT + 1)

struct pager_mem_free_block {
    struct pager_mem_free_block *next;
};

struct pager_mem_arena {
    uintptr_t next; /* first unused byte */
    uintptr_t end;
};

static pager_spin_t pager_mem_lock;
static struct pager_mem_arena pager_mem_arenas[PAGER_MEM_ARENAS];
static unsigned pager_mem_narenas;
static struct pager_mem_free_block *pager_mem_free_lists[PAGER_MEM_CLASSES];

void (*pager_spin_yield)(void);

void pager_spin_lock(pager_spin_t *lock)
{
    while (__atomic_exchange_n(lock, 1, __ATOMIC_ACQUIRE) != 0) {
        for (unsigned n = 0; __atomic_load_n(lock, __ATOMIC_RELAXED) != 0; n++) {
            if (n >= 64 && pager_spin_yield != NULL) {
                pager_spin_yield(); /* the holder may be blocked (one CPU): let it run */
                n = 0;
            }
            __builtin_ia32_pause();
        }
    }
}

void pager_spin_unlock(pager_spin_t *lock)
{
    __atomic_store_n(lock, 0, __ATOMIC_RELEASE);
}

/* The size class of @size, or -1 when it is 0 or larger than the biggest class. */
static int pager_mem_class(size_t size)
{
    if (size == 0 || size > ((size_t)1 << PAGER_MEM_MAX_SHIFT))
        return -1;
    int shift = PAGER_MEM_MIN_SHIFT;
    while (((size_t)1 << shift) < size)
        shift++;
    return shift - PAGER_MEM_MIN_SHIFT;
}

bool pager_mem_add(void *base, size_t size)
{
    bool added = false;

    pager_spin_lock(&pager_mem_lock);
    if (pager_mem_narenas < PAGER_MEM_ARENAS) {
        struct pager_mem_arena *a = &pager_mem_arenas[pager_mem_narenas++];
        a->next = (uintptr_t)base;
        a->end = (uintptr_t)base + size;
        added = true;
    }
    pager_spin_unlock(&pager_mem_lock);
    return added;
}

/* Carve @bytes (a power of two) from the first arena with room; NULL when none has. */
static void *pager_mem_carve_locked(size_t bytes)
{
    size_t align = bytes < PAGE_SIZE ? bytes : PAGE_SIZE; /* own size, at most a page */

    for (unsigned i = 0; i < pager_mem_narenas; i++) {
        struct pager_mem_arena *a = &pager_mem_arenas[i];
        uintptr_t at = (a->next + align - 1) & ~(uintptr_t)(align - 1);
        if (at <= a->end && a->end - at >= bytes) {
            a->next = at + bytes;
            return (void *)at;
        }
    }
    return NULL;
}

void *pager_mem_alloc(size_t size)
{
    int c = pager_mem_class(size);
    void *block;

    if (c < 0)
        return NULL;
    pager_spin_lock(&pager_mem_lock);
    block = pager_mem_free_lists[c];
    if (block != NULL)
        pager_mem_free_lists[c] = pager_mem_free_lists[c]->next;
    else
        block = pager_mem_carve_locked((size_t)1 << (c + PAGER_MEM_MIN_SHIFT));
    pager_spin_unlock(&pager_mem_lock);
    return block;
}

void *pager_mem_zalloc(size_t size)
{
    unsigned char *block = pager_mem_alloc(size);

    if (block != NULL)
        for (size_t i = 0; i < size; i++)
            block[i] = 0;
    return block;
}

void pager_mem_free(void *ptr, size_t size)
{
    int c = pager_mem_class(size);

    if (ptr == NULL || c < 0)
        return;
    struct pager_mem_free_block *b = ptr;
    pager_spin_lock(&pager_mem_lock);
    b->next = pager_mem_free_lists[c];
    pager_mem_free_lists[c] = b;
    pager_spin_unlock(&pager_mem_lock);
}

size_t pager_mem_left(void)
{
    size_t left = 0;

    pager_spin_lock(&pager_mem_lock);
    for (unsigned i = 0; i < pager_mem_narenas; i++)
        left += pager_mem_arenas[i].end - pager_mem_arenas[i].next;
    pager_spin_unlock(&pager_mem_lock);
    return left;
}
