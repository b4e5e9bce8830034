/*
 * Private to the framework's handlers: find and lock the object a kernel
 * message names, and unlock and release it afterwards.
 */
#ifndef PAGER_LIB_PAGER_LOOKUP_H
#define PAGER_LIB_PAGER_LOOKUP_H

#include <pager/pager.h>

/*
 * The object @id referenced and locked, or NULL when it is unknown or
 * terminated. A request may overtake the init of its object when several
 * threads serve, so an unknown id is looked up again a few times.
 */
struct pager_object *pager_object_enter(struct pager *pager, uint64_t id);

/* Unlock and release @obj, from pager_object_enter. */
void pager_object_leave(struct pager *pager, struct pager_object *obj);

#endif
