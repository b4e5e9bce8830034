/*
 * Intrusive pairing heaps: a priority queue whose nodes are embedded in the
 * elements, as struct list_node is. Insert and meld take O(1), removing the
 * minimum or any node O(log n) amortised; nothing is allocated. The kernel's
 * deadlines are one (task/sched.c): arming a deadline no longer walks the
 * threads that sleep longer.
 */
#ifndef LIB_PHEAP_H
#define LIB_PHEAP_H

#include <stdbool.h>
#include <stddef.h>

struct pheap_node {
    struct pheap_node *child; /* first child */
    struct pheap_node *next;  /* next sibling */
    /* The parent for a first child, else the previous sibling; NULL for the
     * root; the node itself when it is in no heap. */
    struct pheap_node *prev;
};

/* Does @a come before @b? A strict weak order; ties leave either first. */
typedef bool (*pheap_less_fn)(const struct pheap_node *a, const struct pheap_node *b);

struct pheap {
    struct pheap_node *root; /* the minimum; NULL when empty */
    pheap_less_fn less;
};

static inline void pheap_init(struct pheap *h, pheap_less_fn less)
{
    h->root = NULL;
    h->less = less;
}

/* Mark @n as in no heap (pheap_linked() false). */
static inline void pheap_node_init(struct pheap_node *n)
{
    n->child = n->next = NULL;
    n->prev = n;
}

static inline bool pheap_linked(const struct pheap_node *n)
{
    return n->prev != n;
}

static inline bool pheap_empty(const struct pheap *h)
{
    return h->root == NULL;
}

/* The minimum, or NULL when @h is empty. */
static inline struct pheap_node *pheap_min(const struct pheap *h)
{
    return h->root;
}

/* Add @n, which is in no heap. */
void pheap_insert(struct pheap *h, struct pheap_node *n);

/* Take @n, which is in @h, out of it; it is then in no heap. */
void pheap_remove(struct pheap *h, struct pheap_node *n);

/* Take the minimum out and return it; NULL when @h is empty. */
struct pheap_node *pheap_pop(struct pheap *h);

#endif
