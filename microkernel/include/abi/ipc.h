/*
 * The IPC ABI: port names, rights, dispositions and the message format, shared
 * by the kernel and libipc. A message is a header and four payload words that
 * travel in CPU registers, plus an optional "extension" in a user buffer:
 * descriptors (port rights, out-of-line pages) followed by inline bytes.
 *
 * One system call, SYS_IPC, sends and/or receives. Its six arguments (enum
 * ipc_arg) and the four payload words are registers (abi/syscall.h says
 * which on each machine). After a receive the kernel rewrites the names, the
 * tag, the extension size and the words to describe the message received,
 * with remote = the reply right the sender passed (or PORT_NULL) and local =
 * the name the message arrived on; the result is 0 or -ERR_*.
 */
#ifndef ABI_IPC_H
#define ABI_IPC_H

#include <stdint.h>

typedef uint32_t port_name_t;

#define PORT_NULL 0u

/* Rights a name can denote (a bit set: receive and send share one name). */
#define IPC_RIGHT_RECEIVE 0x1u
#define IPC_RIGHT_SEND 0x2u
#define IPC_RIGHT_SEND_ONCE 0x4u
#define IPC_RIGHT_PORT_SET 0x8u
#define IPC_RIGHT_DEAD_NAME 0x10u

/* How a right travels in a message (after Mach's MACH_MSG_TYPE_*). */
enum ipc_disposition {
    IPC_DISP_NONE = 0,
    IPC_DISP_MOVE_RECEIVE = 1,   /* the sender loses the receive right */
    IPC_DISP_MOVE_SEND = 2,      /* one send reference moves */
    IPC_DISP_MOVE_SEND_ONCE = 3, /* the send-once right moves */
    IPC_DISP_COPY_SEND = 4,      /* the sender keeps its send reference */
    IPC_DISP_MAKE_SEND = 5,      /* made from the sender's receive right */
    IPC_DISP_MAKE_SEND_ONCE = 6, /* made from the sender's receive right */
};

/* SYS_IPC options. */
#define IPC_SEND 0x1u /* send the message */
#define IPC_RECV 0x2u /* then receive on the receive name */
/*
 * IPC_CALL: send with a fresh send-once right to the calling thread's own
 * reply port as the reply right (the local name is ignored), then wait for
 * the reply there. The receive name is ignored.
 */
#define IPC_CALL 0x4u
/*
 * IPC_REPLY_SLOT, with a plain receive (IPC_RECV without IPC_CALL): the
 * receiving thread takes the sender's send-once reply right into its own
 * reply slot rather than a new name, when the kernel can (the register-only
 * call of a waiting server; otherwise the right gets a name as usual). The
 * message's remote name is then IPC_NAME_REPLY, which denotes the slot of
 * the thread that uses it: a send to it (or with it as the local name)
 * replies, a port operation acts on it, PORT_OP_REPLY_SAVE gives it a name
 * of its own to keep. The slot lives until the thread's next plain receive,
 * which drops an unused right (its caller gets -ERR_DEAD), as does the
 * thread's end. A server that answers before it receives again, as an RPC
 * server loop does, pays for no name; one that defers a reply saves it.
 */
#define IPC_REPLY_SLOT 0x8u
/* The name of the calling thread's reply slot (no name space entry has it). */
#define IPC_NAME_REPLY 0xfffffff0u

#define IPC_TIMEOUT_NONE UINT64_MAX

/* The arguments of SYS_IPC, by position. */
enum ipc_arg {
    IPC_ARG_OPTIONS = 0,  /* options (IPC_SEND, IPC_RECV, ...) | receive name << 32 */
    IPC_ARG_NAMES = 1,    /* remote name (destination) | local name (reply port) << 32 */
    IPC_ARG_TAG = 2,      /* the message tag (IPC_TAG: id, dispositions, descriptor count) */
    IPC_ARG_EXT_ADDR = 3, /* user address of the extension buffer (send and receive), or 0 */
    /* bytes of extension to send | receive buffer capacity << 32; on a receive: bytes received
     * | the message's sequence number on its port << 32 (below) */
    IPC_ARG_EXT_SIZE = 4,
    IPC_ARG_TIMEOUT = 5, /* nanoseconds (IPC_TIMEOUT_NONE waits forever, 0 polls) */
};

/*
 * Sequence numbers (after Mach's msgh_seqno). A port numbers the messages
 * received from it, 0 for the first, wrapping at 2^32; a receive returns
 * the message's number in the upper half of IPC_ARG_EXT_SIZE. A number is
 * taken only when the receive completes, so the receivers of one port see
 * each number once, with no gap, in the order the port handed the messages
 * out; several threads receiving on it can put back the order in which
 * they were sent (pager/lib does for a pager's objects). Received through
 * a port set, the number is that of the member port. A call's reply and a
 * kernel object's answer carry 0.
 */

/* The message tag (IPC_ARG_TAG). */
#define IPC_TAG(id, remote_disp, local_disp, ndesc)                                                \
    ((uint64_t)(uint32_t)(id) | ((uint64_t)((remote_disp)&0xff) << 32) |                           \
     ((uint64_t)((local_disp)&0xff) << 40) | ((uint64_t)((ndesc)&0xff) << 48))
#define IPC_TAG_ID(tag) ((uint32_t)(tag))
#define IPC_TAG_REMOTE_DISP(tag) ((unsigned)((tag) >> 32) & 0xff)
#define IPC_TAG_LOCAL_DISP(tag) ((unsigned)((tag) >> 40) & 0xff)
#define IPC_TAG_NDESC(tag) ((unsigned)((tag) >> 48) & 0xff)
/*
 * The tag's top byte is flags the kernel sets on a receive; a send ignores
 * it. IPC_TAG_KERNEL: the kernel itself sent the message (a memory_object
 * request, a notification, an exception, an interrupt, a kernel object's
 * answer), never set for a message a task sent, whatever its id or its
 * sender's tag. A server that takes kernel messages on a port others may
 * send to drops those without it (pager/lib: "forged").
 */
#define IPC_TAG_FLAGS(tag) ((unsigned)((tag) >> 56) & 0xff)
#define IPC_FLAG_KERNEL 0x1u
#define IPC_TAG_KERNEL ((uint64_t)IPC_FLAG_KERNEL << 56)

#define IPC_WORDS 4          /* payload words in registers */
#define IPC_INLINE_MAX 4096u /* inline bytes in the extension */
#define IPC_DESC_MAX 16u     /* descriptors in one message */
#define IPC_EXT_MAX (IPC_DESC_MAX * 32u + IPC_INLINE_MAX)
#define IPC_OOL_MAX_PAGES 64u /* pages in one out-of-line descriptor */
#define IPC_QUEUE_DEFAULT 16u /* messages a port queues by default */
#define IPC_QUEUE_MAX 64u     /* the most a port may be set to queue */

/* A descriptor in the extension. Every kind has the same size. */
enum ipc_desc_type { IPC_DESC_PORT = 1, IPC_DESC_OOL = 2 };

#define IPC_OOL_MOVE 0x1u /* move the pages: unmapped from the sender, same frames */
#define IPC_OOL_COPY 0x2u /* copy the pages: the sender keeps its own */

struct ipc_desc {
    uint32_t type;    /* enum ipc_desc_type */
    uint32_t flags;   /* PORT: enum ipc_disposition; OOL: IPC_OOL_MOVE or IPC_OOL_COPY */
    port_name_t name; /* PORT: the right's name (on receive: its name in the receiver) */
    uint32_t reserved;
    uint64_t address; /* OOL: page aligned address (on receive: where it was mapped) */
    uint64_t size;    /* OOL: bytes, a multiple of the page size */
};
_Static_assert(sizeof(struct ipc_desc) == 32, "ipc_desc layout");

/* Port operations of SYS_PORT_OP (the operation, then up to three arguments). */
enum ipc_port_op {
    PORT_OP_ALLOCATE = 1,          /* (right kind: RECEIVE or PORT_SET) -> new name */
    PORT_OP_DEALLOCATE = 2,        /* (name): drop one send or send-once ref, or a dead name */
    PORT_OP_DESTROY = 3,           /* (name): drop every right the name denotes */
    PORT_OP_INSERT_SEND = 4,       /* (name): make a send right from the receive right */
    PORT_OP_MOVE_MEMBER = 5,       /* (port name, set name or PORT_NULL): join or leave a set */
    PORT_OP_GET_RIGHTS = 6,        /* (name) -> IPC_RIGHT_* bits | send refs << 8 */
    PORT_OP_SET_QLIMIT = 7,        /* (name, limit 1..IPC_QUEUE_MAX) */
    PORT_OP_REQUEST_DEAD_NAME = 8, /* (send name, port to notify) */
    PORT_OP_REPLY_SAVE = 9,        /* () -> a name for the send-once right in the reply slot */
};

/* The reply to request id X has id X | IPC_ID_REPLY (the IDL convention). */
#define IPC_ID_REPLY 0x80000000u
/*
 * Request ids from IPC_ID_KERNEL up are those of the messages the kernel
 * itself sends: the interfaces notify.idl (0x7f000001, dead names), exc.idl
 * (0x7f000002, exceptions) and interrupt.idl (0x7f000003, device
 * interrupts) in libipc/idl, whose generated headers give their ids and
 * layouts to both sides. Every other interface stays below.
 */
#define IPC_ID_KERNEL 0x7f000000u

/* exc.idl: the kind of an exception. */
#define EXC_BAD_ACCESS 1u
#define EXC_CPU 2u
/*
 * interrupt.idl: a device signals its vector with MSI at this address, data
 * = the vector; the boot CPU (CPU 0) takes it. IRQ_MSI_ADDRESS_TO(apic_id)
 * sends it to the CPU of that local APIC id instead (SYS_CPU_INFO: apic_id[N]
 * is CPU N's), such as the one the driver keeps to: the kernel takes a
 * device's interrupt on whichever CPU it arrives (cpu_info.irqs counts them).
 */
#define IRQ_MSI_ADDRESS 0xfee00000u
#define IRQ_MSI_ADDRESS_TO(apic_id) (IRQ_MSI_ADDRESS | ((uint32_t)(apic_id)&0xffu) << 12)

#endif
