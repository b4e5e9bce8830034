/*
 * Kernel object allocation from one-page slabs, one cache per power-of-two
 * size class. The slab header sits at the start of its page, so kfree finds
 * it by rounding the pointer down. A slab whose last object is freed goes
 * back to the frame allocator, except one per class, kept empty as the
 * class's spare: an object allocated and freed again and again at a slab
 * boundary (a message per call) would otherwise make and break a slab each
 * time. Pageout gives the spares back when memory runs short (kmalloc_trim).
 */
#include <kern/kmalloc.h>
#include <kern/printk.h>
#include <lib/lib.h>
#include <lib/list.h>
#include <vm/frame.h>

struct slab_free {
    struct slab_free *next;
};

struct kcache {
    size_t size;
    struct list_node partial; /* slabs with at least one free object */
    struct slab *spare;       /* an empty slab kept (on partial), or NULL */
};

struct slab {
    struct list_node link;
    struct kcache *cache;
    struct slab_free *free;
    uint32_t inuse;
    uint32_t capacity;
};

#define MIN_SHIFT 4 /* 16 bytes */
#define CLASSES 8   /* 16 .. 2048 */

static struct kcache caches[CLASSES];

/* The cache of the smallest class that holds @size (> 0) bytes: a bit scan, not a search. */
static struct kcache *cache_for(size_t size)
{
    unsigned i = size <= (1u << MIN_SHIFT) ? 0 : 64 - __builtin_clzll(size - 1) - MIN_SHIFT;

    if (i >= CLASSES)
        return NULL;
    struct kcache *c = &caches[i];
    if (!c->size) {
        c->size = (size_t)1 << (MIN_SHIFT + i);
        list_init(&c->partial);
    }
    return c;
}

static struct slab *slab_create(struct kcache *c)
{
    paddr_t pa = frame_alloc(FRAME_KERNEL, c);
    if (!pa)
        return NULL;
    frame_charge(pa, ACCT_KERNEL); /* a slab serves every task: the kernel's own */
    struct slab *s = phys_to_virt(pa);
    size_t first = ALIGN_UP(sizeof(struct slab), c->size);

    s->cache = c;
    s->free = NULL;
    s->inuse = 0;
    s->capacity = 0;
    for (size_t off = PAGE_SIZE - c->size; off >= first; off -= c->size) {
        struct slab_free *obj = (struct slab_free *)((char *)s + off);
        obj->next = s->free;
        s->free = obj;
        s->capacity++;
    }
    list_push_front(&c->partial, &s->link);
    return s;
}

void *kzalloc(size_t size)
{
    struct kcache *c = cache_for(size ? size : 1);
    if (!c)
        return NULL;
    struct slab *s =
        list_empty(&c->partial) ? slab_create(c) : list_entry(c->partial.next, struct slab, link);
    if (!s)
        return NULL;
    struct slab_free *obj = s->free;

    KASSERT(obj && s->cache == c && s->inuse < s->capacity);
    if (s == c->spare)
        c->spare = NULL; /* no longer empty */
    s->free = obj->next;
    if (++s->inuse == s->capacity)
        list_remove(&s->link);
    memset(obj, 0, c->size);
    return obj;
}

void kfree(void *p)
{
    if (!p)
        return;
    struct slab *s = (struct slab *)ALIGN_DOWN((uintptr_t)p, PAGE_SIZE);
    struct slab_free *obj = p;

    KASSERT(s->inuse > 0 && s->cache && ((uintptr_t)p - (uintptr_t)s) % s->cache->size == 0);
    KASSERT(frame_of(virt_to_phys(s))->state == FRAME_KERNEL);
    if (s->inuse == s->capacity)
        list_push_front(&s->cache->partial, &s->link);
    obj->next = s->free;
    s->free = obj;
    if (--s->inuse == 0) {
        if (!s->cache->spare) {
            s->cache->spare = s; /* kept on the partial list, all free */
            return;
        }
        list_remove(&s->link);
        frame_free(virt_to_phys(s));
    }
}

unsigned kmalloc_trim(void)
{
    unsigned freed = 0;

    for (unsigned i = 0; i < CLASSES; i++) {
        struct slab *s = caches[i].spare;
        if (!s)
            continue;
        KASSERT(s->inuse == 0);
        caches[i].spare = NULL;
        list_remove(&s->link);
        frame_free(virt_to_phys(s));
        freed++;
    }
    return freed;
}
