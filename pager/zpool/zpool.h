/*
 * The compressed pager's pool allocator (zsmalloc's idea, simplified): the
 * pool is one contiguous region cut into chunks of ZPOOL_CHUNK bytes; a
 * chunk serves one size class (a multiple of ZPOOL_ALIGN bytes) and holds
 * as many objects of that class as fit, packed end to end across page
 * boundaries. Rounding costs at most ZPOOL_ALIGN - 1 bytes per object and
 * a chunk's tail less than one object, so the pool holds compressed pages
 * nearly at their compressed size. It makes no system call (host-tested
 * under ASan/UBSan) and does not lock: the caller serializes.
 */
#ifndef ZPOOL_H
#define ZPOOL_H

#include <stddef.h>
#include <stdint.h>

#define ZPOOL_ALIGN 32u                                /* size-class step, bytes */
#define ZPOOL_CHUNK (32u * 1024u)                      /* a chunk: 8 pages */
#define ZPOOL_OBJECT_MAX 4096u                         /* largest object */
#define ZPOOL_CLASSES (ZPOOL_OBJECT_MAX / ZPOOL_ALIGN) /* 32, 64, ... 4096 bytes */
#define ZPOOL_NONE UINT32_MAX                          /* no chunk, no handle */
#define ZPOOL_SLOT_BITS 10u /* ZPOOL_CHUNK / ZPOOL_ALIGN objects at most */

/* One chunk's bookkeeping (kept outside the pool). */
struct zpool_chunk {
    uint32_t next, prev; /* the free-chunk list or its class's list of chunks with room */
    uint16_t cls;        /* size class while in use */
    uint16_t used;       /* objects allocated */
    uint16_t free_head;  /* first freed slot (its first two bytes link the next), or UINT16_MAX */
    uint16_t carved;     /* slots handed out at least once; the rest were never used */
};

struct zpool {
    uint8_t *base;              /* nchunks * ZPOOL_CHUNK bytes */
    struct zpool_chunk *chunks; /* nchunks entries */
    uint32_t nchunks;
    uint32_t free_chunks;            /* list of unused chunks */
    uint32_t partial[ZPOOL_CLASSES]; /* per class: chunks with a free slot */
    uint64_t bytes;                  /* bytes of the slots in use */
    uint64_t objects;                /* objects allocated */
    uint32_t chunks_used;            /* chunks serving a class */
};

/* Chunks a pool of @size bytes has (its chunk table's entries). */
uint32_t zpool_chunks_for(size_t size);

/*
 * Start an empty pool over the @size bytes at @base (ZPOOL_ALIGN aligned)
 * with the chunk table @table of zpool_chunks_for(@size) entries.
 */
void zpool_init(struct zpool *p, void *base, size_t size, struct zpool_chunk *table);

/* The bytes an object of @len bytes takes (its class's slot), 0 when it cannot be stored. */
uint32_t zpool_slot_size(size_t len);

/*
 * Allocate room for @len bytes (1..ZPOOL_OBJECT_MAX): its handle in
 * *@handle. Returns 0, -ERR_INVAL for a bad @len, or -ERR_NOMEM when no
 * chunk of that class has room and no chunk is free.
 */
int zpool_alloc(struct zpool *p, size_t len, uint32_t *handle);

/* Where object @handle lives (slot-size bytes). */
void *zpool_map(const struct zpool *p, uint32_t handle);

/* Free object @handle (from zpool_alloc, not freed yet). */
void zpool_free(struct zpool *p, uint32_t handle);

/*
 * Check the pool's lists and counters against each other. Returns 0 or the
 * number of the first broken rule (for tests).
 */
int zpool_check(const struct zpool *p);

#endif
