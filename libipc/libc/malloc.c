/*
 * The user heap. Small blocks come from power-of-two size classes (32 bytes
 * to 4 KiB including a 16-byte header) bumped out of 1 MiB demand-paged
 * arenas and recycled through one free list per class; larger blocks get a
 * region of their own from sys_vm_allocate. A spin lock serializes threads.
 * The heap of the runtime's <stdlib.h> (docs/runtime.md).
 */
#include <ipc/malloc.h>

#include <ipc/string.h>
#include <ipc/sys.h>
#include <stdint.h>

#define MALLOC_MIN_SHIFT 5  /* 32-byte class */
#define MALLOC_MAX_SHIFT 12 /* 4 KiB class */
#define MALLOC_CLASSES (MALLOC_MAX_SHIFT - MALLOC_MIN_SHIFT + 1)
#define MALLOC_ARENA_SIZE (1024 * 1024)
#define MALLOC_LARGE 0xffu

struct malloc_header {
    uint64_t size;  /* block size including this header */
    uint32_t klass; /* size class, or MALLOC_LARGE */
    uint32_t magic;
};
_Static_assert(sizeof(struct malloc_header) == 16, "keeps blocks 16-byte aligned");

#define MALLOC_MAGIC 0x4d4c4f43u

struct malloc_free {
    struct malloc_free *next;
};

static struct malloc_free *malloc_free_lists[MALLOC_CLASSES];
static uintptr_t malloc_arena_next;
static uintptr_t malloc_arena_end;
static int malloc_lock_word;

static void malloc_lock(void)
{
    while (__atomic_exchange_n(&malloc_lock_word, 1, __ATOMIC_ACQUIRE) != 0)
        sys_yield();
}

static void malloc_unlock(void)
{
    __atomic_store_n(&malloc_lock_word, 0, __ATOMIC_RELEASE);
}

/* Carve @size bytes from the current arena, starting a new one when full. Lock held. */
static void *malloc_bump_locked(size_t size)
{
    uintptr_t p;

    if (malloc_arena_end - malloc_arena_next < size) {
        long base = sys_vm_allocate(MALLOC_ARENA_SIZE, VM_PROT_READ | VM_PROT_WRITE);
        if (base < 0)
            return NULL;
        malloc_arena_next = (uintptr_t)base;
        malloc_arena_end = (uintptr_t)base + MALLOC_ARENA_SIZE;
    }
    p = malloc_arena_next;
    malloc_arena_next += size;
    return (void *)p;
}

/* A block of class @klass from its free list or the arena. */
static struct malloc_header *malloc_small(unsigned int klass)
{
    struct malloc_header *h;

    malloc_lock();
    if (malloc_free_lists[klass] != NULL) {
        h = (struct malloc_header *)malloc_free_lists[klass];
        malloc_free_lists[klass] = malloc_free_lists[klass]->next;
    } else {
        h = malloc_bump_locked((size_t)1 << (klass + MALLOC_MIN_SHIFT));
    }
    malloc_unlock();
    if (h != NULL) {
        h->size = (uint64_t)1 << (klass + MALLOC_MIN_SHIFT);
        h->klass = klass;
    }
    return h;
}

/* See <ipc/malloc.h>: a 16-byte aligned block of at least @size bytes, or NULL. */
void *malloc(size_t size)
{
    size_t need = size + sizeof(struct malloc_header);
    struct malloc_header *h;
    unsigned int klass = 0;

    if (size > ((size_t)1 << 40))
        return NULL;
    while (klass < MALLOC_CLASSES && ((size_t)1 << (klass + MALLOC_MIN_SHIFT)) < need)
        klass++;
    if (klass < MALLOC_CLASSES) {
        h = malloc_small(klass);
    } else {
        long base;
        need = (need + 4095) & ~(size_t)4095;
        base = sys_vm_allocate(need, VM_PROT_READ | VM_PROT_WRITE);
        h = base < 0 ? NULL : (struct malloc_header *)base;
        if (h != NULL) {
            h->size = need;
            h->klass = MALLOC_LARGE;
        }
    }
    if (h == NULL)
        return NULL;
    h->magic = MALLOC_MAGIC;
    return h + 1;
}

/* See <ipc/malloc.h>: @n * @size zeroed bytes, or NULL. */
void *calloc(size_t n, size_t size)
{
    void *p;

    if (size != 0 && n > SIZE_MAX / size)
        return NULL;
    p = malloc(n * size);
    if (p != NULL)
        memset(p, 0, n * size);
    return p;
}

/* See <ipc/malloc.h>: release @ptr; large blocks go back to the kernel. */
void free(void *ptr)
{
    struct malloc_header *h;
    struct malloc_free *f;
    uint32_t klass;

    if (ptr == NULL)
        return;
    h = (struct malloc_header *)ptr - 1;
    if (h->magic != MALLOC_MAGIC)
        return; /* not ours or freed twice: ignore rather than corrupt the lists */
    h->magic = 0;
    if (h->klass == MALLOC_LARGE) {
        sys_vm_deallocate(h, h->size);
        return;
    }
    klass = h->klass;
    f = (struct malloc_free *)h;
    malloc_lock();
    f->next = malloc_free_lists[klass];
    malloc_free_lists[klass] = f;
    malloc_unlock();
}

/* See <stdlib.h>: grow or shrink @ptr to @size bytes; in place when its block has room. */
void *realloc(void *ptr, size_t size)
{
    struct malloc_header *h;
    size_t room;
    void *fresh;

    if (ptr == NULL)
        return malloc(size);
    if (size == 0) {
        free(ptr);
        return NULL;
    }
    h = (struct malloc_header *)ptr - 1;
    if (h->magic != MALLOC_MAGIC)
        return NULL;
    room = h->size - sizeof(*h);
    if (size <= room)
        return ptr;
    fresh = malloc(size);
    if (fresh == NULL)
        return NULL;
    memcpy(fresh, ptr, room);
    free(ptr);
    return fresh;
}
