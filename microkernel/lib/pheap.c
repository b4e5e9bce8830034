/*
 * Pairing heaps (lib/pheap.h): a heap-ordered tree of any shape in which
 * every node keeps its children as a list. Meld makes the larger root the
 * first child of the smaller; removing a node melds its children in the
 * two-pass way (pairs left to right, then the pairs right to left), which is
 * what gives the amortised O(log n).
 */
#include <lib/pheap.h>

/* Meld two detached roots (prev and next NULL); returns the new root, detached. */
static struct pheap_node *meld(struct pheap *h, struct pheap_node *a, struct pheap_node *b)
{
    if (h->less(b, a)) {
        struct pheap_node *t = a;
        a = b;
        b = t;
    }
    b->prev = a;
    b->next = a->child;
    if (a->child)
        a->child->prev = b;
    a->child = b;
    return a;
}

/* Meld the sibling list starting at @first into one detached root (NULL if empty). */
static struct pheap_node *merge_pairs(struct pheap *h, struct pheap_node *first)
{
    struct pheap_node *pairs = NULL, *root = NULL;

    /* Left to right: meld each pair, stacking the results (the last on top). */
    while (first) {
        struct pheap_node *a = first, *b = first->next;
        first = b ? b->next : NULL;
        a->prev = a->next = NULL;
        if (b) {
            b->prev = b->next = NULL;
            a = meld(h, a, b);
        }
        a->next = pairs;
        pairs = a;
    }
    /* Right to left: meld the stack into one. */
    while (pairs) {
        struct pheap_node *n = pairs;
        pairs = n->next;
        n->next = NULL;
        root = root ? meld(h, root, n) : n;
    }
    return root;
}

void pheap_insert(struct pheap *h, struct pheap_node *n)
{
    n->child = n->next = n->prev = NULL;
    h->root = h->root ? meld(h, h->root, n) : n;
}

struct pheap_node *pheap_pop(struct pheap *h)
{
    struct pheap_node *min = h->root;

    if (min)
        pheap_remove(h, min);
    return min;
}

void pheap_remove(struct pheap *h, struct pheap_node *n)
{
    struct pheap_node *sub = merge_pairs(h, n->child);

    if (n == h->root) {
        h->root = sub;
    } else {
        /* Unlink n from its parent's list of children. */
        if (n->prev->child == n)
            n->prev->child = n->next;
        else
            n->prev->next = n->next;
        if (n->next)
            n->next->prev = n->prev;
        if (sub)
            h->root = meld(h, h->root, sub);
    }
    pheap_node_init(n);
}
