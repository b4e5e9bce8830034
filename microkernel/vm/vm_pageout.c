/*
 * Pageout (issue 5): a kernel thread wakes when free frames fall below the
 * low watermark and evicts pages the replacement policy names until free
 * frames, counting those already on their way to the default pager or a
 * driver, reach the high watermark. Clean pages are freed at once; modified
 * ones go to their pager with data_return (the laundry), at most
 * VM_PAGEOUT_LAUNDRY_MAX at a time towards the default pager and drivers and
 * as many towards ordinary pagers, so that neither messages nor frames in
 * flight pile up, and a slow ordinary pager never stops the default pager's
 * writebacks (pageout_writeback_held). Below the reserve,
 * faults of ordinary tasks wait for pageout; the default pager, drivers and
 * kernel threads keep allocating from the reserve, so the tasks that make
 * memory free can always run, and any other task that serves memory objects
 * allocates from it within its credit (vm_credit.h). Policy is a vm_policy
 * over frame numbers; this file is the mechanism around it.
 */
#include <abi/errors.h>
#include <kern/kmalloc.h>
#include <kern/printk.h>
#include <kern/trace.h>
#include <lib/lib.h>
#include <task/sched.h>
#include <task/task.h>
#include <vm/frame.h>
#include <vm/vm_object.h>
#include <vm/vm_pageout.h>

#define PAGEOUT_RESERVE_MIN 32
#define PAGEOUT_RESERVE_MAX 1024
#define PAGEOUT_WAIT_NS 5000000ull        /* the thread's nap while the laundry drains */
#define PAGEOUT_IDLE_NS 50000000ull       /* its nap after a round that evicted nothing */
#define PAGEOUT_THROTTLE_NS 1000000000ull /* a waiting fault looks again at least this often */

static struct {
    bool active;
    struct vm_policy policy;
    struct vm_pageout_levels levels;
    struct wait_queue thread_wq;     /* the pageout thread waits here for work */
    struct wait_queue frames_wanted; /* faults waiting for frames */
    struct thread *thread;
    struct vm_credit_pool credits; /* what ordinary pagers took below the reserve */
    bool ran_dry;                  /* every candidate was tried since the last eviction, in vain */
    uint64_t tried_run;            /* frames passed over since the last eviction */
} po;

static const char *const policy_names[VM_POLICY_KIND_COUNT] = {
    [VM_POLICY_FIFO] = "fifo", [VM_POLICY_CLOCK] = "clock",     [VM_POLICY_AGING] = "aging",
    [VM_POLICY_NRU] = "nru",   [VM_POLICY_WSCLOCK] = "wsclock",
};

int vm_pageout_policy_by_name(const char *name)
{
    for (int i = 0; i < VM_POLICY_KIND_COUNT; i++)
        if (policy_names[i] && strcmp(policy_names[i], name) == 0)
            return i;
    return -1;
}

int vm_pageout_set_policy(const char *name)
{
    int kind = vm_pageout_policy_by_name(name);

    if (kind < 0)
        return -ERR_INVAL;
    if (!po.active)
        return -ERR_NOSYS;
    vm_policy_switch(&po.policy, (enum vm_policy_kind)kind);
    kprintf("pageout: policy now %s, %u resident frames kept in order\n", name, po.policy.count);
    return 0;
}

const char *vm_pageout_policy(void)
{
    return po.active ? policy_names[vm_policy_kind(&po.policy)] : "off";
}

static struct vm_page *page_of_index(uint32_t index)
{
    return frame_of((paddr_t)index * PAGE_SIZE)->owner;
}

/* The policy's view of a frame's R and M bits: over every mapping of its page. */
static unsigned pageout_bits(void *ctx, uint32_t index, bool clear_ref)
{
    struct vm_page *p = page_of_index(index);
    unsigned bits = vm_object_page_bits(p->object, p->offset, clear_ref, false);

    (void)ctx;
    return (bits & MMU_BIT_REF ? VM_POLICY_REF : 0) |
           (p->flags & (VM_PAGE_DIRTY | VM_PAGE_PRECIOUS) ? VM_POLICY_MOD : 0);
}

void vm_pageout_candidate_add(paddr_t pa)
{
    struct frame *f = frame_of(pa);
    /* A FRAME_USER frame's owner is NULL or the resident page in it (vm_page_set_frame). */
    struct vm_page *p = f->state == FRAME_USER ? f->owner : NULL;

    if (po.active && p && p->frame == pa && !f->pin_count && !p->object->wired)
        vm_policy_insert(&po.policy, (uint32_t)(pa / PAGE_SIZE));
}

void vm_pageout_candidate_remove(paddr_t pa)
{
    if (po.active)
        vm_policy_remove(&po.policy, (uint32_t)(pa / PAGE_SIZE));
}

struct vm_pageout_levels vm_pageout_levels(void)
{
    return po.levels;
}

struct vm_credit_pool vm_pageout_credits(void)
{
    return po.credits;
}

bool vm_pageout_privileged_task(const struct task *t)
{
    return t->kernel_paged || t->driver;
}

static bool privileged(struct thread *t)
{
    return !t->task || vm_pageout_privileged_task(t->task);
}

/*
 * Once the reserve is no longer touched: a pressure episode ends (every
 * pager's credit is whole again) and the faults waiting for frames go on.
 */
static void frames_release_waiters(void)
{
    if (frame_free_count() > po.levels.reserve) {
        vm_credit_restore(&po.credits);
        sched_wake_all(&po.frames_wanted, 0);
    }
}

/*
 * frame_watch: free frames crossed the low watermark (either way), or a
 * laundry frame arrived. Below it pageout has work; back at it, a deferred
 * batch of an evacuation can go (the pageout thread sends it).
 */
static void pageout_frame_event(void)
{
    if (frame_free_count() < po.levels.low || vm_pager_migrate_wants_room())
        sched_wake_one(&po.thread_wq, 0);
    frames_release_waiters();
}

/*
 * At or below the reserve: may @t take a frame? Privileged threads may; a
 * task serving memory objects may on its credit, one frame charged.
 */
static bool reserve_take(struct thread *t)
{
    if (privileged(t))
        return true;
    if (!t->task->serves_objects ||
        !vm_credit_take(&po.credits, &t->task->credit, t->task->reserve_share))
        return false;
    vm_stats.credit_taken++;
    return true;
}

void vm_pageout_frames_given_back(struct task *task, uint64_t n)
{
    if (task->serves_objects)
        vm_credit_refund(&po.credits, &task->credit, n);
}

bool vm_pageout_reserve_ok(void)
{
    return !po.active || frame_free_count() > po.levels.reserve || reserve_take(thread_current());
}

/* Below the reserve: wake pageout and wait for frames (kept out of the fault path's line). */
static __attribute__((noinline)) enum vm_fault_result pageout_throttle_wait(void)
{
    vm_stats.throttled++;
    trace_step(thread_current(), TRACE_FRAMES);
    if (task_current()->serves_objects)
        vm_stats.credit_waits++;
    sched_wake_one(&po.thread_wq, 0);
    int w = sched_block_timeout(&po.frames_wanted, arch_time_ns() + PAGEOUT_THROTTLE_NS);
    return w == -ERR_NOMEM ? VM_FAULT_NOMEM : VM_FAULT_RETRY;
}

enum vm_fault_result vm_pageout_throttle(void)
{
    return vm_pageout_reserve_ok() ? VM_FAULT_OK : pageout_throttle_wait();
}

bool vm_pageout_waits_for_frames(const struct thread *t)
{
    return t->waiting_on == &po.frames_wanted;
}

void vm_pageout_report(const char *prefix)
{
    struct list_node *pos;
    unsigned waiting = 0;

    list_for_each(pos, &po.frames_wanted.threads) waiting++;
    kprintf("%sframes free %llu (reserve %llu, low %llu, high %llu), laundry %llu (%llu to "
            "ordinary pagers), pager credits %llu of %llu charged, %u threads waiting for frames\n",
            prefix, (unsigned long long)frame_free_count(), (unsigned long long)po.levels.reserve,
            (unsigned long long)po.levels.low, (unsigned long long)po.levels.high,
            (unsigned long long)frame_laundry_count(),
            (unsigned long long)frame_laundry_ordinary_count(), (unsigned long long)po.credits.used,
            (unsigned long long)po.credits.cap, waiting);
    if (!po.active)
        return;
    kprintf("%spageout: %u candidates, %s, %llu passed over since the last eviction\n", prefix,
            po.policy.count, po.ran_dry ? "ran dry" : "not dry", (unsigned long long)po.tried_run);
    thread_report(po.thread, prefix, po.thread->waiting_on == &po.thread_wq ? ", for work" : "");
}

/* The laundry on its way to the default pager and drivers, which always take it. */
static uint64_t laundry_system(void)
{
    return frame_laundry_count() - frame_laundry_ordinary_count();
}

/*
 * Hold back the modified pages of @obj from the task that takes them
 * (vm_pager_task) while the laundry towards its kind of pager is full. The
 * default pager and drivers always take theirs; the laundry of ordinary
 * pagers is bounded apart, as a whole and per port (VM_PAGEOUT_PAGER_QUEUE_MAX
 * messages), so that a slow or stuck one (waiting for a frame itself) never
 * holds back the default pager's: that would leave nothing to evict. An
 * ordinary pager's pages are also held while at or below the reserve its
 * credit is spent.
 */
static bool pageout_writeback_held(struct vm_object *obj)
{
    uint32_t queued;
    struct task *t = vm_pager_task(obj, &queued);

    if (t && vm_pageout_privileged_task(t))
        return laundry_system() >= VM_PAGEOUT_LAUNDRY_MAX;
    bool held = frame_laundry_ordinary_count() >= VM_PAGEOUT_LAUNDRY_MAX ||
                queued >= VM_PAGEOUT_PAGER_QUEUE_MAX ||
                (t && frame_free_count() <= po.levels.reserve &&
                 vm_credit_spent(&po.credits, &t->credit, t->reserve_share));
    vm_stats.returns_deferred += held;
    return held;
}

enum pageout_verdict {
    PAGEOUT_EVICTED,
    PAGEOUT_LATER, /* busy, waited on, laundry full, pager full: may go later */
    PAGEOUT_NEVER, /* a modified page of the in-kernel pager: it would stay in RAM */
};

/* Try to evict the page in frame @index. */
static enum pageout_verdict pageout_try(uint32_t index)
{
    struct vm_page *p = page_of_index(index);

    KASSERT(p && p->frame / PAGE_SIZE == index && !vm_object_is_device(p->object));
    struct vm_object *obj = p->object;
    if ((p->flags & VM_PAGE_BUSY) || !list_empty(&p->waiters.threads))
        return PAGEOUT_LATER;
    bool back = vm_page_needs_writeback(p);
    if (back && !obj->ops->takes_writebacks)
        return PAGEOUT_NEVER;
    if (back && (obj->pager_dead || vm_pager_store_full(obj) || pageout_writeback_held(obj)))
        return PAGEOUT_LATER;
    int r = vm_object_pageout(obj, p->offset);
    if (r < 0)
        return PAGEOUT_LATER;
    if (r == 1)
        vm_stats.evict_dirty++;
    else
        vm_stats.evict_clean++;
    return PAGEOUT_EVICTED;
}

#define PAGEOUT_SKIP_MAX 256 /* frames passed over in one round, at most */
#define PAGEOUT_GATHER 16    /* choices between two preemption points */

uint32_t vm_pageout_scan(uint32_t max)
{
    static uint32_t skipped[PAGEOUT_SKIP_MAX];
    uint32_t evicted = 0, nskipped = 0;

    if (!po.active)
        return 0;
    po.ran_dry = false;
    vm_policy_tick(&po.policy);
    /*
     * Between choices others may run (sched_preempt_point, every
     * PAGEOUT_GATHER of them): a scan holds
     * nothing but the frame numbers it skipped. A frame that cannot go now
     * leaves the policy for the rest of the round,
     * so that no policy names it again (aging and NRU would: it is still the
     * best victim), and comes back as the newest frame at the end. A
     * modified page of the in-kernel pager leaves for good: nothing but its
     * own release could make it a useful victim.
     */
    uint32_t gather = po.policy.ops->choose_sweeps ? 1 : PAGEOUT_GATHER;
    for (uint32_t choices = 0; evicted < max && nskipped < PAGEOUT_SKIP_MAX &&
                               frame_free_count() + laundry_system() < po.levels.high;
         choices++) {
        /* Every PAGEOUT_GATHER choices (every one under a policy whose
         * choice may sweep every frame) what was gathered leaves (the
         * returns, and one shootdown per CPU for all the unmaps), and others
         * may run. */
        if (choices % gather == 0) {
            vm_object_pageout_flush();
            sched_preempt_point();
        }
        uint32_t index = vm_policy_choose(&po.policy);
        if (index == VM_POLICY_NONE) {
            po.ran_dry = true;
            break;
        }
        enum pageout_verdict v = pageout_try(index);
        if (v == PAGEOUT_EVICTED) {
            evicted++;
            continue;
        }
        vm_policy_remove(&po.policy, index);
        if (v == PAGEOUT_LATER)
            skipped[nskipped++] = index;
    }
    vm_object_pageout_flush();
    po.tried_run = evicted ? 0 : po.tried_run + nskipped;
    /* The frames may have changed hands while others ran: checked as new candidates. */
    while (nskipped > 0)
        vm_pageout_candidate_add((paddr_t)skipped[--nskipped] * PAGE_SIZE);
    /* Rounds that evict nothing and stop at PAGEOUT_SKIP_MAX run dry together
     * once they have passed over as many frames as there are candidates. */
    if (!evicted && po.tried_run >= po.policy.count)
        po.ran_dry = true;
    vm_stats.pageout_scans++;
    return evicted;
}

/* Work to do: free frames below the low watermark, or faults waiting. */
static bool pageout_needed(void)
{
    return frame_free_count() < po.levels.low || !list_empty(&po.frames_wanted.threads);
}

/*
 * Nothing to do until a frame event or a fault wakes the thread; while a
 * batch of an evacuation waits for room, it looks again after a nap (the
 * loop's vm_pager_migrate_resume).
 */
static void pageout_idle(bool evacuation_waits)
{
    sched_block_timeout(&po.thread_wq,
                        evacuation_waits ? arch_time_ns() + PAGEOUT_IDLE_NS : UINT64_MAX);
}

static __attribute__((noreturn)) void pageout_thread(void *arg)
{
    (void)arg;
    for (;;) {
        /* On every wake-up: a batch of an evacuation may have waited for this room.
         * One still waiting (its old pager's queue was full) is tried again later. */
        bool evacuation_waits = vm_pager_migrate_resume();
        if (!pageout_needed()) {
            pageout_idle(evacuation_waits);
            continue;
        }
        kmalloc_trim(); /* the slabs kept empty go first */
        uint32_t evicted = vm_pageout_scan(VM_PAGEOUT_BATCH);
        frames_release_waiters();
        if (evicted == 0 && po.ran_dry && frame_laundry_count() == 0 &&
            frame_free_count() <= po.levels.reserve) {
            /* Nothing can go and nothing is on its way: the waiting faults fail.
             * (One round that stopped at PAGEOUT_SKIP_MAX did not look at every
             * frame: the pages held back from a pager can fill it.) */
            if (!list_empty(&po.frames_wanted.threads))
                kprintf("pageout: out of memory: no page can be evicted\n");
            sched_wake_all(&po.frames_wanted, -ERR_NOMEM);
            pageout_idle(evacuation_waits);
        } else if (evicted < VM_PAGEOUT_BATCH) {
            /* Waiting for the laundry, or (nothing went) for pages to become
             * evictable: a full pager's store, busy pages. Frame events and
             * waiting faults wake the thread earlier. */
            uint64_t nap = evicted || !po.ran_dry ? PAGEOUT_WAIT_NS : PAGEOUT_IDLE_NS;
            sched_block_timeout(&po.thread_wq, arch_time_ns() + nap);
        } else {
            sched_yield(); /* let the pagers take the laundry */
        }
    }
}

int vm_pageout_setup(enum vm_policy_kind kind)
{
    struct vm_policy_bits bits = {.read = pageout_bits};
    uint64_t total = frame_total_count();

    if (kind == VM_POLICY_LRU || kind == VM_POLICY_OPT || !frame_side_table() ||
        vm_policy_init(&po.policy, kind, frame_side_table(), (uint32_t)frame_table_size(), &bits) !=
            0)
        return -ERR_INVAL;
    wait_queue_init(&po.thread_wq);
    wait_queue_init(&po.frames_wanted);
    po.levels.reserve = MIN(MAX(total / 64, PAGEOUT_RESERVE_MIN), PAGEOUT_RESERVE_MAX);
    po.levels.low = 2 * po.levels.reserve;
    po.levels.high = 3 * po.levels.reserve;
    vm_credit_pool_init(&po.credits, po.levels.reserve);
    po.active = true;
    frame_watch(po.levels.low, pageout_frame_event);
    return 0;
}

int vm_pageout_init(enum vm_policy_kind kind)
{
    int err = vm_pageout_setup(kind);

    if (err)
        return err;
    po.thread = thread_create_kernel(pageout_thread, NULL);
    if (!po.thread)
        return -ERR_NOMEM;
    kprintf("pageout: policy %s, reserve %llu, low %llu, high %llu frames\n", vm_policy_name(kind),
            (unsigned long long)po.levels.reserve, (unsigned long long)po.levels.low,
            (unsigned long long)po.levels.high);
    return 0;
}
