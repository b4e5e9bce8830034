/*
 * Private to the framework's handlers: find and lock the object a kernel
 * message names, and unlock and release it afterwards.
 */
#ifndef PAGER_LIB_PAGER_LOOKUP_H
#define PAGER_LIB_PAGER_LOOKUP_H

#include "pager_order.h"

#include <pager/pager.h>

/*
 * The object @id of message @msg referenced and locked, or NULL when it is
 * unknown or terminated. With several threads serving, the thread claimed
 * the object in its message's turn (pager_order_admit), so the init of an
 * object was handled before any other message for it, and one object's
 * messages are handled in the order the kernel sent them.
 */
struct pager_object *pager_object_enter(struct pager_msg *msg, uint64_t id);

/* Unlock and release @obj, from pager_object_enter. */
void pager_object_leave(struct pager *pager, struct pager_object *obj);

#endif
