/*
 * Accounts: per task, the frames and kernel objects it holds (frame.h).
 * The frame allocator charges each frame to the current account and
 * discharges it when freed; the code that hands a frame or an object to
 * another holder moves the charge. An account outlives its task while it
 * still holds something, so a leak is named by the task that holds it.
 *
 * Accounts form jobs: a task spawned without TASK_SPAWN_JOB joins its
 * spawner's job, so whatever a job may hold (ACCT_JOB_ACCOUNTS_MAX tasks,
 * VM_PAGED_OBJECTS_MAX objects of external pagers) is not multiplied by
 * spawning. Each account counts in its job's root until it is closed and
 * empty; the root's slot is reused only when no account counts in it.
 */
#include <arch/arch.h>
#include <kern/printk.h>
#include <lib/lib.h>
#include <vm/frame.h>

struct acct {
    uint32_t task_id;
    bool open;    /* its task exists (alive or a zombie) */
    bool in_job;  /* it counts in its job: open, or still holding something */
    uint32_t job; /* the slot of its job's root (its own for a root) */
    struct acct_figures held;
    /* A root's: the accounts counting in its job (itself too), and the
     * objects they hold, by kind. */
    uint32_t job_accounts;
    uint64_t job_objects[ACCT_OBJ_KINDS];
};

static struct acct accts[ACCT_SLOTS] = {[ACCT_KERNEL] = {.open = true}};
/* The account charged on each CPU is its word ARCH_CPU_ACCT (zero at boot: the kernel's). */
_Static_assert(ACCT_KERNEL == 0, "each CPU starts charging the kernel");

/* Account @slot is closed and holds nothing: it no longer counts in its job. */
static void acct_leave_job(uint32_t slot)
{
    struct acct *a = &accts[slot];

    if (!a->in_job || a->open || !acct_empty(slot))
        return;
    KASSERT(accts[a->job].job_accounts > 0);
    a->in_job = false;
    accts[a->job].job_accounts--;
}

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
uint32_t acct_open_in(uint32_t task_id, uint32_t job_of)
{
    KASSERT(job_of == ACCT_NEW_JOB || (job_of < ACCT_SLOTS && accts[job_of].in_job));
    uint32_t job = job_of == ACCT_NEW_JOB ? ACCT_NEW_JOB : accts[job_of].job;

    if (job != ACCT_NEW_JOB && accts[job].job_accounts >= ACCT_JOB_ACCOUNTS_MAX)
        return ACCT_KERNEL;
    for (uint32_t slot = ACCT_KERNEL + 1; slot < ACCT_SLOTS; slot++) {
        struct acct *a = &accts[slot];
        if (a->open || a->in_job || a->job_accounts || !acct_empty(slot))
            continue;
        *a = (struct acct){.task_id = task_id, .open = true, .in_job = true};
        a->job = job == ACCT_NEW_JOB ? slot : job;
        accts[a->job].job_accounts++;
        return slot;
    }
    return ACCT_KERNEL;
}

/* See frame.h. */
uint32_t acct_open(uint32_t task_id)
{
    return acct_open_in(task_id, ACCT_NEW_JOB);
}

/* See frame.h. */
void acct_close(uint32_t slot)
{
    KASSERT(slot < ACCT_SLOTS && accts[slot].open);
    if (slot != ACCT_KERNEL) {
        accts[slot].open = false;
        acct_leave_job(slot);
    }
}

/* See frame.h. */
uint32_t acct_job(uint32_t slot)
{
    KASSERT(slot < ACCT_SLOTS);
    return accts[slot].job;
}

/* See frame.h. */
uint64_t acct_job_objects(uint32_t slot, enum acct_object kind)
{
    KASSERT(slot < ACCT_SLOTS && kind < ACCT_OBJ_KINDS);
    return accts[accts[slot].job].job_objects[kind];
}

/* See frame.h. */
uint32_t acct_job_accounts(uint32_t slot)
{
    KASSERT(slot < ACCT_SLOTS);
    return accts[accts[slot].job].job_accounts;
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
    return (uint32_t)arch_cpu_word(ARCH_CPU_ACCT);
}

/* See frame.h. */
uint32_t acct_switch(uint32_t slot)
{
    uint32_t old = (uint32_t)arch_cpu_word(ARCH_CPU_ACCT);

    KASSERT(slot < ACCT_SLOTS);
    arch_cpu_word_set(ARCH_CPU_ACCT, slot);
    return old;
}

/* See frame.h. */
void acct_object(uint32_t slot, enum acct_object kind, int delta)
{
    KASSERT(slot < ACCT_SLOTS && kind < ACCT_OBJ_KINDS);
    struct acct *a = &accts[slot];

    KASSERT(delta >= 0 || a->held.objects[kind] >= (uint64_t)-delta);
    a->held.objects[kind] += (uint64_t)(int64_t)delta;
    /* An account outside its job holds nothing, so it never gives back there what it took. */
    if (a->in_job) {
        KASSERT(delta >= 0 || accts[a->job].job_objects[kind] >= (uint64_t)-delta);
        accts[a->job].job_objects[kind] += (uint64_t)(int64_t)delta;
    }
    if (delta < 0)
        acct_leave_job(slot);
}

/* See frame.h. */
void acct_frames(uint32_t slot, enum frame_state state, int delta)
{
    KASSERT(slot < ACCT_SLOTS && state <= FRAME_USER);
    KASSERT(delta >= 0 || accts[slot].held.frames[state] >= (uint64_t)-delta);
    accts[slot].held.frames[state] += (uint64_t)(int64_t)delta;
    if (delta < 0 && !accts[slot].open)
        acct_leave_job(slot);
}

/* See frame.h. */
const char *acct_check(void)
{
    static uint32_t accounts[ACCT_SLOTS]; /* 8 KiB: not on a kernel stack */
    static uint64_t objects[ACCT_SLOTS][ACCT_OBJ_KINDS];

    memset(accounts, 0, sizeof(accounts));
    memset(objects, 0, sizeof(objects));

    for (uint32_t slot = ACCT_KERNEL + 1; slot < ACCT_SLOTS; slot++) {
        const struct acct *a = &accts[slot];
        if (a->open && !a->in_job)
            return "an open account outside its job";
        if (!a->in_job)
            continue;
        if (a->job >= ACCT_SLOTS || accts[a->job].job != a->job) /* a root is its own job */
            return "an account in a job whose root is gone";
        accounts[a->job]++;
        for (unsigned k = 0; k < ACCT_OBJ_KINDS; k++)
            objects[a->job][k] += a->held.objects[k];
    }
    for (uint32_t slot = ACCT_KERNEL + 1; slot < ACCT_SLOTS; slot++) {
        if (accts[slot].job_accounts != accounts[slot])
            return "a job's account count";
        for (unsigned k = 0; k < ACCT_OBJ_KINDS; k++)
            if (accts[slot].job_objects[k] != objects[slot][k])
                return "a job's objects are not its accounts' sum";
    }
    return NULL;
}
