/*
 * Threads and the scheduler: a round-robin run queue, wait queues for
 * blocking, a sleep queue driven by the timer tick. One CPU; kernel code runs
 * with interrupts disabled, so the only preemption points are user mode, the
 * idle loop and the explicit points long kernel work opens
 * (sched_preempt_point).
 */
#ifndef KERNEL_SCHED_H
#define KERNEL_SCHED_H

#include <abi/syscall.h>
#include <arch/arch.h>
#include <lib/list.h>
#include <lib/pheap.h>
#include <stdbool.h>
#include <stdint.h>

struct task;
struct port;
struct kmsg;

enum thread_state { THREAD_READY = 1, THREAD_RUNNING, THREAD_BLOCKED, THREAD_DEAD };

struct wait_queue {
    struct list_node threads;
};

struct thread {
    uint32_t id;
    enum thread_state state;
    uint8_t cpu;       /* the CPU it runs or last ran on */
    uint32_t affinity; /* bit i: it may run on CPU i; 0: on any (sched_set_affinity) */
    bool kill_pending; /* its task ended while it ran on another CPU: it exits at its next entry */
    struct task *task; /* NULL for the idle thread and kernel threads */
    uint32_t acct;     /* the account what it allocates is charged to (vm/frame.h) */
    struct arch_context ctx;
    uint64_t kstack_top; /* 0 for the idle thread (boot stack) */
    int kstack_slot;
    struct list_node run_link; /* run queue or the wait queue it blocks on */
    struct wait_queue *waiting_on;
    struct list_node task_link;   /* in task->threads */
    struct pheap_node sleep_node; /* in the deadline heap while a deadline is armed */
    uint64_t wake_ns;             /* deadline of a sleep or a timed block */
    uint64_t wake_seq;            /* when it was armed: equal deadlines expire in that order */
    int wake_result;              /* what sched_block returns */
    struct port *reply_port;      /* receives the replies of IPC_CALL; made on first use */
    struct port *reply_slot;      /* a send-once right held in its reply slot (IPC_REPLY_SLOT) */
    uint32_t reply_slot_seq;      /* that right's reply sequence */
    bool reply_slot_ok;           /* its receive takes a reply right into the slot */
    const void *fast_inline;      /* a fast message's inline bytes for it to copy out (ipc.c) */
    struct kmsg *sending;         /* a message being built from its send (which may wait) */
    bool in_exception;            /* waiting in the kernel for its exception handler's reply */
    uint64_t fault_trace[4];      /* cycles: trap, request sent, page supplied, resumed */
    /* A user fault waiting for a pager, which the answer may complete (vm_fault.c) */
    struct {
        uint64_t va;           /* the faulting address */
        uint64_t pa;           /* the frame the answer mapped there */
        uint8_t access;        /* enum mmu_access */
        bool armed;            /* the answer may map the page and resume the thread */
        uint8_t before, after; /* pages of the answer below and above it, to map around */
    } fault_resume;
    uint64_t trace_fault; /* the number of its fault being traced (kern/trace.h), or 0 */
    uint64_t trace_addr;  /* that fault's address */
    uint64_t cpu_cycles;  /* CPU time used, in cycles (cheap to count at every switch) */
    uint64_t run_start;   /* cycle counter when it was last switched in */
};

#define SCHED_TICK_HZ 100

void sched_init(void);

/*
 * What the scheduler keeps per CPU (the running thread itself is the word
 * ARCH_CPU_THREAD). Read through sched_cpu(): a thread may run on another
 * CPU after any switch, so a pointer to it is good only until the caller's
 * next switch.
 */
struct sched_cpu {
    struct thread *idle;    /* runs when nothing else is ready */
    struct thread *dead;    /* exited here: freed right after the next switch */
    uint64_t idle_since;    /* when the CPU went idle, 0 while it is not */
    uint64_t stretch_start; /* the non-preemptible stretch's start; 0: not in the kernel */
    uint32_t stretch_what;  /* what the kernel does in it (SCHED_STRETCH_*) */
    uint64_t switches;      /* threads switched in here since boot */
};
/* Threads switched in on CPU @cpu since boot (0 for a CPU that runs none). */
uint64_t sched_cpu_switches(unsigned cpu);

static inline struct sched_cpu *sched_cpu(void)
{
    return (struct sched_cpu *)(uintptr_t)arch_cpu_word(ARCH_CPU_SCHED);
}

static inline struct thread *thread_current(void)
{
    return (struct thread *)(uintptr_t)arch_cpu_word(ARCH_CPU_THREAD);
}

/* Set up the links of a new thread: on no queue, no deadline armed. */
void thread_links_init(struct thread *t);

/* Has @t a deadline armed (a sleep or a timed block)? */
static inline bool thread_deadline_armed(const struct thread *t)
{
    return pheap_linked(&t->sleep_node);
}

/*
 * Print @t for a report, lines starting with @prefix: its state, what it
 * waits for (@waits, e.g. ", for frames", or ""), its deadline, how it last
 * entered the kernel (system call or vector, user pc) and, switched out, its
 * kernel return addresses (for addr2line on the kernel's ELF file).
 */
void thread_report(const struct thread *t, const char *prefix, const char *waits);

/* Disarm @t's deadline, if armed. */
void sched_cancel_deadline(struct thread *t);

/*
 * Create a thread of @task entering user mode at @entry with stack @user_sp
 * and @arg, @arg2 as its first two arguments, and make it ready. Returns it,
 * or NULL when out of memory (nothing is left allocated then).
 */
struct thread *thread_create_user(struct task *task, uint64_t entry, uint64_t user_sp, uint64_t arg,
                                  uint64_t arg2);

/*
 * Create a kernel thread (no task) running @fn(@arg), which never returns,
 * and make it ready. Returns it, or NULL when out of memory.
 */
struct thread *thread_create_kernel(void (*fn)(void *), void *arg);

/* Put a ready thread on the run queue. */
void sched_make_ready(struct thread *t);
/* Give up the CPU; the current thread stays ready. */
void sched_yield(void);
/* Block the current thread on @wq until woken; returns the waker's result. */
int sched_block(struct wait_queue *wq);
/*
 * Block on @wq until woken or until arch_time_ns() >= @deadline (UINT64_MAX:
 * never). Returns the waker's result or -ERR_TIMEOUT.
 */
int sched_block_timeout(struct wait_queue *wq, uint64_t deadline);
bool sched_runs_here_masked(const struct thread *t);
/* May @t run on this CPU (its affinity, among the CPUs that run threads)? */
static inline bool sched_runs_here(const struct thread *t)
{
    return t->affinity == 0 || sched_runs_here_masked(t); /* any CPU: the IPC fast paths' case */
}
/*
 * Let @t run only on the CPUs of mask @cpus (0: on any). It moves at its
 * next switch; the current thread moves at once. Returns the mask it had,
 * or -ERR_INVAL when no CPU of @cpus runs threads.
 */
int64_t sched_set_affinity(struct thread *t, uint32_t cpus);
/* How many of a wait queue's threads sched_waiter_here looks at, at most. */
#define SCHED_WAITERS_LOOK 8u
/*
 * The thread of @wq to hand a message to from this CPU (the IPC fast paths,
 * the fault path's handoff to a pager): the first waiting one that may run
 * here, among the first SCHED_WAITERS_LOOK; NULL when none of those may.
 * A server or pager with a thread kept to each CPU (threads=cpus) is thus
 * served on the caller's CPU, without a wake-up on another.
 */
static inline struct thread *sched_waiter_here(struct wait_queue *wq)
{
    unsigned n = 0;

    for (struct list_node *pos = wq->threads.next; pos != &wq->threads && n < SCHED_WAITERS_LOOK;
         pos = pos->next, n++) {
        struct thread *t = list_entry(pos, struct thread, run_link);
        if (sched_runs_here(t))
            return t;
    }
    return NULL;
}
/* Threads CPU @cpu took from other CPUs' run queues since boot. */
uint64_t sched_cpu_steals(unsigned cpu);
/* Wake one thread blocked on @wq with @result; returns it, or NULL if none waited. */
struct thread *sched_wake_one(struct wait_queue *wq, int result);
/*
 * Block the current thread on @wq until @deadline (as sched_block_timeout)
 * and hand the CPU straight to @next, which must be blocked (it is taken
 * off its wait queue and gets @result): the direct switch of the IPC fast
 * paths. Returns the current thread's own wake result once it runs again.
 * A @next that may not run on this CPU (sched_runs_here) is made ready for
 * its own CPUs instead, and the current thread blocks the ordinary way.
 */
int sched_block_handoff(struct wait_queue *wq, uint64_t deadline, struct thread *next, int result);
/*
 * sched_block_handoff for a user thread @next blocked in a system call that,
 * woken with @result, has little left to do before it returns to user mode:
 * @resume(@next), called once @next is the current thread and its address
 * space the current one (still on the caller's stack), does that little and
 * writes the call's result into @next's registers. Then @next resumes in
 * user mode at once and the kernel frames it left are dropped
 * (arch_context_switch_user), so neither its stack nor its callers' returns
 * are walked. When @resume returns false, @next is switched to the ordinary
 * way and finishes on its own stack. If the current thread is later resumed
 * the direct way, this call never returns; it returns the wake result when
 * it is resumed by an ordinary switch. @next must be allowed to run here
 * (the callers check sched_runs_here first).
 */
int sched_block_handoff_user(struct wait_queue *wq, uint64_t deadline, struct thread *next,
                             int result, bool (*resume)(struct thread *next));
/* Wake every thread blocked on @wq with @result. */
void sched_wake_all(struct wait_queue *wq, int result);
/* Sleep until arch_time_ns() >= @deadline. */
void sched_sleep_until(uint64_t deadline);
/* Timer tick: wake sleepers, account time, preempt. Called with the interrupt frame live. */
void sched_tick(void);
/*
 * From an interrupt: let the threads it woke (at the front of the run queue)
 * run now; the interrupted thread goes to the back. Interrupt frame live.
 */
void sched_preempt(void);

/*
 * A preemption point in long kernel work (docs/design.md, "Bounded kernel
 * work"): a pending timer tick or device interrupt is taken here, and with
 * it the switch to another thread. The caller must hold nothing another
 * thread could change or free meanwhile (look regions, pages and objects up
 * again afterwards) and nothing only its stack knows about (a thread
 * killed here never returns: its kernel stack is discarded).
 */
void sched_preempt_point(void);

/* What the kernel was doing when a non-preemptible stretch began (abi/syscall.h). */
#define SCHED_STRETCH_TRAP KERN_STRETCH_TRAP
#define SCHED_STRETCH_IDLE KERN_STRETCH_IDLE
/*
 * The kernel runs from an entry (@what: a system call number, or
 * SCHED_STRETCH_*) until it returns to user mode, idles or reaches a
 * preemption point: a stretch nothing can interrupt. The entry and exit
 * paths call these; the longest stretch is kept for sys_kern_stat. Two
 * clock reads on every entry cost a tenth of a null system call, so the
 * stretches are measured only from the first SYS_KERN_STAT_RESET on
 * (sched_stretch_measure); until then these are a load and a branch.
 */
struct sched_stretch_stat {
    bool measuring;       /* since sched_stretch_measure */
    uint64_t max_cycles;  /* the longest stretch since the last reset */
    uint32_t max_what;    /* its entry (@what above) */
    uint64_t points;      /* preemption points passed */
    uint64_t preemptions; /* of them, those where another thread ran */
    uint64_t idle_cycles; /* spent idle, waiting for an interrupt, since boot */
};
extern struct sched_stretch_stat sched_stretch;
void sched_stretch_open(uint32_t what);
void sched_stretch_close(void);
/* Forget the longest stretch and measure from now on (the caller's entry: @what). */
void sched_stretch_measure(uint32_t what);

static inline void sched_stretch_begin(uint32_t what)
{
    if (sched_stretch.measuring)
        sched_stretch_open(what);
}

static inline void sched_stretch_end(void)
{
    if (sched_stretch.measuring)
        sched_stretch_close();
}

/*
 * Remove @t from whatever queue holds it and free it. @t must not be the
 * current thread. Its kernel stack is discarded.
 */
void thread_destroy(struct thread *t);
/* End the current thread; its stack is freed after the switch. Never returns. */
__attribute__((noreturn)) void thread_exit_current(void);

/* Free the thread that died before the last switch (called on the new stack). */
void sched_finish_switch(void);

/* Start running threads; the boot context becomes the idle thread. */
__attribute__((noreturn)) void sched_start(void);

static inline void wait_queue_init(struct wait_queue *wq)
{
    list_init(&wq->threads);
}

#endif
