/*
 * Accounts: per task, the frames and kernel objects it holds (frame.h).
 * The frame allocator charges each frame to the current account and
 * discharges it when freed; the code that hands a frame or an object to
 * another holder moves the charge. An account outlives its task while it
 * still holds something, so a leak is named by the task that holds it.
 */
#include <kern/printk.h>
#include <lib/lib.h>
#include <vm/frame.h>

struct acct {
    uint32_t task_id;
    bool open; /* its task exists (alive or a zombie) */
    struct acct_figures held;
};

static struct acct accts[ACCT_SLOTS] = {[ACCT_KERNEL] = {.open = true}};
static uint32_t current_slot = ACCT_KERNEL;

/* See frame.h. */
bool acct_empty(uint32_t slot)
{
    const struct acct_figures *h = &accts[slot].held;

    for (unsigned i = 0; i <= FRAME_USER; i++)
        if (h->frames[i])
            return false;
    for (unsigned i = 0; i < ACCT_OBJ_KINDS; i++)
        if (h->objects[i])
            return false;
    return true;
}

/* See frame.h. */
uint32_t acct_open(uint32_t task_id)
{
    for (uint32_t slot = ACCT_KERNEL + 1; slot < ACCT_SLOTS; slot++) {
        if (!accts[slot].open && acct_empty(slot)) {
            accts[slot].open = true;
            accts[slot].task_id = task_id;
            return slot;
        }
    }
    return ACCT_KERNEL;
}

/* See frame.h. */
void acct_close(uint32_t slot)
{
    KASSERT(slot < ACCT_SLOTS && accts[slot].open);
    if (slot != ACCT_KERNEL)
        accts[slot].open = false;
}

/* See frame.h. */
int acct_find(uint32_t task_id)
{
    for (uint32_t slot = ACCT_KERNEL + 1; slot < ACCT_SLOTS; slot++)
        if (accts[slot].task_id == task_id && (accts[slot].open || !acct_empty(slot)))
            return (int)slot;
    return -1;
}

/* See frame.h. */
uint32_t acct_task(uint32_t slot)
{
    KASSERT(slot < ACCT_SLOTS);
    return accts[slot].task_id;
}

/* See frame.h. */
void acct_read(uint32_t slot, struct acct_figures *out)
{
    KASSERT(slot < ACCT_SLOTS);
    *out = accts[slot].held;
}

/* See frame.h. */
uint32_t acct_current(void)
{
    return current_slot;
}

/* See frame.h. */
uint32_t acct_switch(uint32_t slot)
{
    uint32_t old = current_slot;

    KASSERT(slot < ACCT_SLOTS);
    current_slot = slot;
    return old;
}

/* See frame.h. */
void acct_object(uint32_t slot, enum acct_object kind, int delta)
{
    KASSERT(slot < ACCT_SLOTS && kind < ACCT_OBJ_KINDS);
    KASSERT(delta >= 0 || accts[slot].held.objects[kind] >= (uint64_t)-delta);
    accts[slot].held.objects[kind] += (uint64_t)(int64_t)delta;
}

/* See frame.h. */
void acct_frames(uint32_t slot, enum frame_state state, int delta)
{
    KASSERT(slot < ACCT_SLOTS && state <= FRAME_USER);
    KASSERT(delta >= 0 || accts[slot].held.frames[state] >= (uint64_t)-delta);
    accts[slot].held.frames[state] += (uint64_t)(int64_t)delta;
}
