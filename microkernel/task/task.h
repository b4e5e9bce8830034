/*
 * Tasks: an address map, a set of threads, a parent and an exit status.
 * A task is created from an ELF boot module; it ends when its last thread
 * exits, when it calls exit, when it is killed, or on an unresolvable fault.
 * Its memory is freed at once; the small record with its status stays until
 * a holder of its task port collects it with wait, or until no task holds a
 * send right to that port (at once if none does).
 */
#ifndef KERNEL_TASK_H
#define KERNEL_TASK_H

#include <abi/syscall.h>
#include <ipc/ipc.h>
#include <lib/list.h>
#include <stdint.h>
#include <task/sched.h>
#include <vm/vm_credit.h>
#include <vm/vm_map.h>

#define TASK_NAME_MAX 32
#define TASK_MAX_THREADS 64
#define TASK_DMA_DEVICES 8 /* PCI functions a driver may let reach memory (bus mastering) */

enum task_state { TASK_ALIVE = 1, TASK_ZOMBIE };

struct task {
    uint32_t id;
    enum task_state state;
    char name[TASK_NAME_MAX];
    struct vm_map map;
    struct ipc_space ipc;
    struct kright exc_port; /* send right for exception messages, port NULL if none */
    bool kernel_paged;      /* the default pager: its own memory is never paged by itself */
    bool driver;            /* granted with the host right: PCI config space, device memory */
    uint32_t reserve_share; /* frames of the reserve it may use as a pager; 0: the default */
    /* Pager credits (vm/vm_credit.h): set once the kernel sends it a memory_object message */
    bool serves_objects;     /* holds the receive right of a memory object's pager port */
    struct vm_credit credit; /* what it took below the reserve in this episode */
    uint16_t dma_bdf[TASK_DMA_DEVICES]; /* functions it turned bus mastering on for */
    uint32_t dma_devices;
    struct list_node threads; /* struct thread.task_link */
    uint32_t nthreads;
    struct port *self_port;    /* its task port (task/task_port.h); the kernel's reference */
    struct task *parent;       /* its creator, for listings only: no authority */
    struct list_node children; /* struct task.sibling */
    struct list_node sibling;
    struct list_node all_link;
    struct task_status status;
    struct wait_queue exit_waiters;
    uint64_t dead_cpu_cycles; /* CPU time of threads already gone */
    uint32_t acct;            /* its account (vm/frame.h): what it holds, kept past its end */
    struct ipc_stat ipc_stat; /* its messages the IPC fast paths took (SYS_IPC_STAT) */
};

/*
 * Create a task running the ELF image @image of @len bytes, named @name,
 * with the argument string @args, as a child of @parent (NULL for the first
 * task). A send right in *@bootstrap (NULL or port NULL: none) becomes the
 * task's bootstrap port, its name passed to the first thread as its second
 * argument; a send right to the host-privilege port in *@host (NULL or port
 * NULL: none) goes to the task, named in the third argument. Both are
 * consumed on success only. The task joins @parent's job (vm/frame.h,
 * "Accounts"), or starts one with @new_job. Returns 0 and the task in
 * *@out, or -ERR_BADEXEC / -ERR_NOMEM, or -ERR_LIMIT when no account is
 * left for it (every slot taken, or its job has ACCT_JOB_ACCOUNTS_MAX),
 * with nothing left allocated.
 */
int task_spawn(const char *name, const uint8_t *image, size_t len, const char *args,
               struct task *parent, bool new_job, struct kright *bootstrap, struct kright *host,
               struct task **out);

/* The live or zombie task with @id, or NULL. */
struct task *task_find(uint32_t id);
/* The first task after id @after: any (@all), or only @self. */
struct task *task_next_after(const struct task *self, uint32_t after, bool all);
/*
 * May @self read @t's state (task_info, its regions, its account)? Itself,
 * the task whose task port @right names, or any task when @right names
 * @self's host-privilege right.
 */
bool task_may_read(struct task *self, const struct task *t, port_name_t right);

/*
 * End @task with @end/@code/@fault_addr: every thread goes, the memory is
 * freed (deferred to after the switch when the current thread belongs to
 * it). If the caller is a thread of @task, does not return.
 */
void task_terminate(struct task *task, enum task_end end, int code, uint64_t fault_addr);
/*
 * At an entry from user mode, with the kernel lock: if the current thread's
 * task ended while it ran on another CPU, it exits here (and does not return).
 */
void thread_kill_point(void);
extern uint64_t task_remote_kills; /* threads task_terminate left to thread_kill_point */

/* Called by the scheduler when the last thread of @task is gone. */
void task_last_thread_gone(struct task *task);

/*
 * Wait for the task whose task port @name denotes in @self's space to end;
 * copy its status and free its record (its port dies). 0, -ERR_INVAL
 * (PORT_NULL: @self), or the errors of task_port_lookup (-ERR_DEAD: another
 * waiter collected it first).
 */
int task_wait(struct task *self, port_name_t name, struct task_status *out);
/* Free the record of ended @task (nobody can wait for it any more). */
void task_release(struct task *task);

uint64_t task_cpu_ns(struct task *task);

/*
 * A user exception other than a page fault (@vector, named @what): offer it
 * to the task's exception handler; returns if the handler resumes the thread,
 * else logs it and ends the current task.
 */
void task_exception(uint64_t vector, const char *what, uint64_t pc);

/* The task of the current thread (never NULL in syscall or user-fault context). */
static inline struct task *task_current(void)
{
    return thread_current()->task;
}

#endif
