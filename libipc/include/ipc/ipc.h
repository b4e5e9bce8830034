/*
 * User-side IPC: the message a task builds and receives, the one raw system
 * call ipc_msg() that moves it through the kernel (<abi/ipc.h> describes the
 * registers), the send/receive/call/reply_recv shapes built on it, message
 * building helpers and the port operations of SYS_PORT_OP.
 */
#ifndef IPC_IPC_H
#define IPC_IPC_H

#include <abi/errors.h>
#include <abi/ipc.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A message as user code sees it. The header and w[] travel in registers;
 * ext is the extension buffer: ndesc descriptors first, then inline bytes.
 * ext_size counts both (ndesc * 32 + inline bytes).
 *
 * Order rule for building: add every descriptor (ipc_add_port, ipc_add_ool)
 * before writing inline data, because the inline area starts right after
 * the last descriptor; ipc_set_inline() then fixes the inline byte count.
 */
struct ipc_message {
    uint32_t id;
    union {
        struct {
            uint8_t remote_disp; /* enum ipc_disposition of remote */
            uint8_t local_disp;  /* enum ipc_disposition of local */
            uint8_t ndesc;       /* descriptors at the start of ext */
            uint8_t flags;       /* received: IPC_FLAG_* (IPC_FLAG_KERNEL); send: ignored */
        };
        uint32_t shape; /* the four above: the tag's upper half, stored at once on a receive */
    };
    port_name_t remote; /* send: destination; received: the sender's reply right */
    port_name_t local;  /* send: reply right; received: the name it arrived on */
    uint32_t ext_size;  /* bytes of ext in use */
    uint32_t seqno;     /* received: its sequence number on the port it came from (abi/ipc.h) */
    uint64_t w[IPC_WORDS];
    union {
        struct ipc_desc desc[IPC_DESC_MAX];
        uint8_t bytes[IPC_EXT_MAX];
    } ext;
};

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ &&
                   offsetof(struct ipc_message, remote_disp) ==
                       offsetof(struct ipc_message, shape) &&
                   offsetof(struct ipc_message, flags) == offsetof(struct ipc_message, shape) + 3,
               "struct ipc_message.shape is the tag's upper half (abi/ipc.h)");

/* The task's bootstrap send right (a name given by its parent at spawn), or PORT_NULL. */
extern port_name_t ipc_bootstrap_port;
/*
 * The task's send right to the host-privilege port, or PORT_NULL: the kernel
 * gives it to the first task, which gives it to the children it chooses
 * (TASK_SPAWN_HOST_PRIV); the privileged system calls take it.
 */
extern port_name_t ipc_host_port;
/*
 * The argument string the task was started with, as its parent passed it:
 * main's argv[1..] are its words. init reads the kernel command line here,
 * whose quotes belong to the values (lib/cmdline.h).
 */
extern const char *ipc_args;
/*
 * A program that reads ipc_args itself defines this true (init does): its
 * argument string is then not split, and main gets argv[0] only, so a
 * string that does not split cannot stop it from starting.
 */
extern const bool ipc_args_whole;

/*
 * The raw SYS_IPC call: send and/or receive as @options (IPC_SEND, IPC_RECV,
 * IPC_CALL) say, receiving on @rcv_name, waiting at most @timeout_ns
 * (IPC_TIMEOUT_NONE: forever, 0: poll). The send part takes m's header, w[]
 * and ext_size bytes of m->ext; a receive fills them back in. Returns 0 or
 * -ERR_*; on failure m is left as it was.
 */
long ipc_msg(struct ipc_message *m, unsigned options, port_name_t rcv_name, uint64_t timeout_ns);

/* Send @m to m->remote. Returns 0 or -ERR_* (-ERR_TIMEOUT when the queue stays full). */
static inline long ipc_send(struct ipc_message *m, uint64_t timeout_ns)
{
    return ipc_msg(m, IPC_SEND, PORT_NULL, timeout_ns);
}

/* Receive the next message on port or port set @name into @m. Returns 0 or -ERR_*. */
static inline long ipc_recv(struct ipc_message *m, port_name_t name, uint64_t timeout_ns)
{
    return ipc_msg(m, IPC_RECV, name, timeout_ns);
}

/*
 * Send @m to m->remote with a fresh send-once reply right made by the kernel
 * (m->local is ignored) and wait for the reply, which lands in @m.
 * Returns 0 or -ERR_* (the reply's own result code is in its payload).
 */
static inline long ipc_call(struct ipc_message *m, uint64_t timeout_ns)
{
    return ipc_msg(m, IPC_CALL | IPC_SEND | IPC_RECV, PORT_NULL, timeout_ns);
}

/*
 * A register-only call (the shape of the kernel's fast path): send request
 * @id with the words @w, and nothing else, to @remote over a copied send
 * right with a fresh reply right, and wait for the reply: its id in
 * *@reply_id, its words in @w. No message structure is built or read; the
 * words stay in registers both ways. The reply must carry only words (a
 * larger one is refused with -ERR_TRUNCATED and dropped at the next call).
 * Returns 0 or -ERR_* (the reply's own result code is in its words).
 */
long ipc_call_words(port_name_t remote, uint32_t id, uint64_t w[IPC_WORDS], uint32_t *reply_id,
                    uint64_t timeout_ns);

/*
 * Send @m to m->remote (usually the send-once reply right of the request just
 * served, with remote_disp IPC_DISP_MOVE_SEND_ONCE), then receive the next
 * message on @rcv_name into @m, its reply right maybe in this thread's
 * reply slot (IPC_REPLY_SLOT: m->remote is then IPC_NAME_REPLY; reply
 * before the next receive, or keep it with port_reply_save()). Returns 0 or
 * -ERR_*.
 */
static inline long ipc_reply_recv(struct ipc_message *m, port_name_t rcv_name, uint64_t timeout_ns)
{
    return ipc_msg(m, IPC_SEND | IPC_RECV | IPC_REPLY_SLOT, rcv_name, timeout_ns);
}

/* Start an empty message with @id to @remote, which travels as @remote_disp. */
static inline void ipc_msg_init(struct ipc_message *m, port_name_t remote, unsigned remote_disp,
                                uint32_t id)
{
    m->id = id;
    m->remote_disp = (uint8_t)remote_disp;
    m->local_disp = IPC_DISP_NONE;
    m->ndesc = 0;
    m->remote = remote;
    m->local = PORT_NULL;
    m->ext_size = 0;
}

/*
 * Append a descriptor carrying right @name as @disposition. Call before any
 * inline data is written (see the order rule above). Returns 0, or -ERR_LIMIT
 * when the message already has IPC_DESC_MAX descriptors.
 */
static inline int ipc_add_port(struct ipc_message *m, port_name_t name, unsigned disposition)
{
    if (m->ndesc >= IPC_DESC_MAX)
        return -ERR_LIMIT;
    struct ipc_desc *d = &m->ext.desc[m->ndesc++];
    d->type = IPC_DESC_PORT;
    d->flags = disposition;
    d->name = name;
    d->reserved = 0;
    d->address = 0;
    d->size = 0;
    m->ext_size += (uint32_t)sizeof(struct ipc_desc);
    return 0;
}

/*
 * Append an out-of-line descriptor for the pages [@addr, @addr + @size),
 * moved or copied as @flags (IPC_OOL_MOVE or IPC_OOL_COPY). Same order rule
 * and result as ipc_add_port().
 */
static inline int ipc_add_ool(struct ipc_message *m, const void *addr, uint64_t size,
                              unsigned flags)
{
    if (m->ndesc >= IPC_DESC_MAX)
        return -ERR_LIMIT;
    struct ipc_desc *d = &m->ext.desc[m->ndesc++];
    d->type = IPC_DESC_OOL;
    d->flags = flags;
    d->name = PORT_NULL;
    d->reserved = 0;
    d->address = (uint64_t)(uintptr_t)addr;
    d->size = size;
    m->ext_size += (uint32_t)sizeof(struct ipc_desc);
    return 0;
}

/* The inline area of @m: right after its ndesc descriptors, 8-byte aligned. */
static inline void *ipc_inline(struct ipc_message *m)
{
    return m->ext.bytes + (size_t)m->ndesc * sizeof(struct ipc_desc);
}

/* Inline bytes in @m (0 when ext_size is smaller than the descriptors, which is malformed). */
static inline uint32_t ipc_inline_size(const struct ipc_message *m)
{
    uint32_t desc_bytes = (uint32_t)m->ndesc * (uint32_t)sizeof(struct ipc_desc);
    return m->ext_size > desc_bytes ? m->ext_size - desc_bytes : 0;
}

/*
 * Declare @bytes inline bytes written at ipc_inline(m): ext_size becomes
 * ndesc * 32 + @bytes. Returns 0, or -ERR_TOO_LARGE when @bytes exceeds
 * IPC_INLINE_MAX (ext_size is then unchanged).
 */
static inline int ipc_set_inline(struct ipc_message *m, uint32_t bytes)
{
    if (bytes > IPC_INLINE_MAX)
        return -ERR_TOO_LARGE;
    m->ext_size = (uint32_t)m->ndesc * (uint32_t)sizeof(struct ipc_desc) + bytes;
    return 0;
}

/*
 * The right a receiver holds for a port descriptor that travelled as
 * @disposition: IPC_RIGHT_SEND, _SEND_ONCE or _RECEIVE, or 0 for no valid
 * disposition. Receivers check rights this way, so they accept a descriptor
 * whether its flags show how it was sent or what it became.
 */
static inline unsigned ipc_disp_right(unsigned disposition)
{
    switch (disposition) {
    case IPC_DISP_MOVE_SEND:
    case IPC_DISP_COPY_SEND:
    case IPC_DISP_MAKE_SEND:
        return IPC_RIGHT_SEND;
    case IPC_DISP_MOVE_SEND_ONCE:
    case IPC_DISP_MAKE_SEND_ONCE:
        return IPC_RIGHT_SEND_ONCE;
    case IPC_DISP_MOVE_RECEIVE:
        return IPC_RIGHT_RECEIVE;
    default:
        return 0;
    }
}

/* True when received descriptor @d is a port descriptor giving the receiver @right. */
static inline bool ipc_desc_port_ok(const struct ipc_desc *d, unsigned right)
{
    return d->type == IPC_DESC_PORT && ipc_disp_right(d->flags) == right;
}

/* True when received descriptor @d is an out-of-line descriptor (moved or copied). */
static inline bool ipc_desc_ool_ok(const struct ipc_desc *d)
{
    return d->type == IPC_DESC_OOL && (d->flags == IPC_OOL_MOVE || d->flags == IPC_OOL_COPY);
}

/*
 * What the handler of a deferred routine (docs/ipc-idl.md) returns to keep
 * the request's reply right and answer later with the generated
 * <interface>_<routine>_reply(); the dispatch then sends nothing. Any other
 * positive code is an error (-ERR_INVAL).
 */
#define IPC_REPLY_DEFERRED 1

/*
 * Release what a received message @m carries: every port right of its
 * descriptors (port_destroy for a receive right, port_deallocate otherwise)
 * and every out-of-line region (sys_vm_deallocate). The reply right in
 * m->remote is left alone. Used on messages that are refused.
 */
void ipc_msg_destroy(const struct ipc_message *m);

/* Port operations (SYS_PORT_OP). Each returns 0 (or a count) or -ERR_*. */

/* Allocate a port (@kind IPC_RIGHT_RECEIVE) or port set (IPC_RIGHT_PORT_SET); name in *@name. */
int port_allocate(unsigned kind, port_name_t *name);
/* Drop one send or send-once reference, or a dead name, held under @name. */
int port_deallocate(port_name_t name);
/* Drop every right @name denotes (a receive right kills the port). */
int port_destroy(port_name_t name);
/* Make a send right from the receive right @name (same name). */
int port_insert_send(port_name_t name);
/* Make port @port a member of port set @set (PORT_NULL: leave its set). */
int port_move_member(port_name_t port, port_name_t set);
/* Store the IPC_RIGHT_* bits of @name in *@rights and its send references in *@srefs. */
int port_get_rights(port_name_t name, unsigned *rights, unsigned *srefs);
/* Let port @name queue at most @limit messages (1..IPC_QUEUE_MAX). */
int port_set_qlimit(port_name_t name, unsigned limit);
/* Ask for a notify.dead_name message on @notify when the port of send right @name dies. */
int port_request_dead_name(port_name_t name, port_name_t notify);
/* Give the reply right in this thread's reply slot (IPC_NAME_REPLY) a name of its own, in *@name.
 */
int port_reply_save(port_name_t *name);

#endif
