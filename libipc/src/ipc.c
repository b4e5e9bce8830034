/*
 * The IPC system calls: ipc_msg() loads a struct ipc_message into the
 * registers of <abi/ipc.h>, executes SYS_IPC and unpacks a received message
 * (the one call whose registers are bound here by hand: its message words
 * travel in registers no other call uses); ipc_call_words() makes a
 * register-only call with no message struct at all; the port_* functions wrap the
 * generated sys_port_op stub. Host tests replace this file with fakes at
 * link time, so nothing else in libipc depends on it.
 */
#include <ipc/ipc.h>
#include <ipc/sys.h>

/* The registers of SYS_IPC that a receive rewrites (abi/ipc.h). */
struct ipc_trap_regs {
    uint64_t names, tag, sizes, w[IPC_WORDS];
};

/* SYS_IPC with options @opt, the extension at @ext and @timeout; *@r in and out. */
static inline long ipc_trap(uint64_t opt, uint64_t ext_addr, uint64_t timeout_ns,
                            struct ipc_trap_regs *r)
{
    long ret = SYS_IPC;
    register uint64_t ext __asm__("r10") = ext_addr;
    register uint64_t sizes __asm__("r8") = r->sizes;
    register uint64_t timeout __asm__("r9") = timeout_ns;
    register uint64_t w0 __asm__("r12") = r->w[0];
    register uint64_t w1 __asm__("r13") = r->w[1];
    register uint64_t w2 __asm__("r14") = r->w[2];
    register uint64_t w3 __asm__("r15") = r->w[3];

    __asm__ volatile("syscall"
                     : "+a"(ret), "+S"(r->names), "+d"(r->tag), "+r"(sizes), "+r"(w0), "+r"(w1),
                       "+r"(w2), "+r"(w3)
                     : "D"(opt), "r"(ext), "r"(timeout)
                     : "rcx", "r11", "memory");
    r->sizes = sizes;
    r->w[0] = w0;
    r->w[1] = w1;
    r->w[2] = w2;
    r->w[3] = w3;
    return ret;
}

/* (Without SLP vectorization the received words go straight from their registers into @m,
 * not through SSE registers and the stack: 4 instructions fewer per call.) */
__attribute__((optimize("no-tree-slp-vectorize"))) long
ipc_msg(struct ipc_message *m, unsigned options, port_name_t rcv_name, uint64_t timeout_ns)
{
    /* The tag is id and shape as they lie in the header (the kernel ignores a sent tag's
     * flags byte), the names remote and local: one load each. */
    struct ipc_trap_regs r = {
        .names = (uint64_t)m->remote | (uint64_t)m->local << 32,
        .tag = m->id | (uint64_t)m->shape << 32,
        .sizes = m->ext_size | (uint64_t)sizeof(m->ext) << 32,
        .w = {m->w[0], m->w[1], m->w[2], m->w[3]},
    };
    long ret = ipc_trap((uint64_t)options | (uint64_t)rcv_name << 32, (uint64_t)(uintptr_t)&m->ext,
                        timeout_ns, &r);

    if (ret != 0 || !(options & (IPC_RECV | IPC_CALL)))
        return ret;
    m->id = IPC_TAG_ID(r.tag);
    m->shape = (uint32_t)(r.tag >> 32); /* dispositions, descriptor count, flags */
    m->remote = (port_name_t)r.names;
    m->local = (port_name_t)(r.names >> 32);
    m->ext_size = (uint32_t)r.sizes;
    m->seqno = (uint32_t)(r.sizes >> 32);
    for (int i = 0; i < IPC_WORDS; i++)
        m->w[i] = r.w[i];
    return 0;
}

long ipc_call_words(port_name_t remote, uint32_t id, uint64_t w[IPC_WORDS], uint32_t *reply_id,
                    uint64_t timeout_ns)
{
    struct ipc_trap_regs r = {
        .names = remote,
        .tag = IPC_TAG(id, IPC_DISP_COPY_SEND, IPC_DISP_NONE, 0),
        .w = {w[0], w[1], w[2], w[3]},
    };
    long ret = ipc_trap(IPC_CALL | IPC_SEND | IPC_RECV, 0, timeout_ns, &r);

    if (ret != 0)
        return ret;
    *reply_id = IPC_TAG_ID(r.tag);
    for (int i = 0; i < IPC_WORDS; i++)
        w[i] = r.w[i];
    return 0;
}

void ipc_msg_destroy(const struct ipc_message *m)
{
    unsigned n = m->ndesc;
    if (n > IPC_DESC_MAX)
        n = IPC_DESC_MAX;
    if (n > m->ext_size / sizeof(struct ipc_desc))
        n = m->ext_size / sizeof(struct ipc_desc);
    for (unsigned i = 0; i < n; i++) {
        const struct ipc_desc *d = &m->ext.desc[i];
        if (d->type == IPC_DESC_PORT && d->name != PORT_NULL) {
            if (d->flags == IPC_DISP_MOVE_RECEIVE)
                port_destroy(d->name);
            else
                port_deallocate(d->name);
        } else if (d->type == IPC_DESC_OOL && d->size != 0) {
            sys_vm_deallocate((void *)(uintptr_t)d->address, d->size);
        }
    }
}

int port_allocate(unsigned kind, port_name_t *name)
{
    long ret = sys_port_op(PORT_OP_ALLOCATE, kind, 0);
    if (ret < 0)
        return (int)ret;
    *name = (port_name_t)ret;
    return 0;
}

int port_deallocate(port_name_t name)
{
    return (int)sys_port_op(PORT_OP_DEALLOCATE, name, 0);
}

int port_destroy(port_name_t name)
{
    return (int)sys_port_op(PORT_OP_DESTROY, name, 0);
}

int port_insert_send(port_name_t name)
{
    return (int)sys_port_op(PORT_OP_INSERT_SEND, name, 0);
}

int port_move_member(port_name_t port, port_name_t set)
{
    return (int)sys_port_op(PORT_OP_MOVE_MEMBER, port, set);
}

int port_get_rights(port_name_t name, unsigned *rights, unsigned *srefs)
{
    long ret = sys_port_op(PORT_OP_GET_RIGHTS, name, 0);
    if (ret < 0)
        return (int)ret;
    *rights = (unsigned)ret & 0xffu;
    *srefs = (unsigned)((uint64_t)ret >> 8);
    return 0;
}

int port_set_qlimit(port_name_t name, unsigned limit)
{
    return (int)sys_port_op(PORT_OP_SET_QLIMIT, name, limit);
}

int port_request_dead_name(port_name_t name, port_name_t notify)
{
    return (int)sys_port_op(PORT_OP_REQUEST_DEAD_NAME, name, notify);
}

int port_reply_save(port_name_t *name)
{
    long ret = sys_port_op(PORT_OP_REPLY_SAVE, PORT_NULL, 0);
    if (ret < 0)
        return (int)ret;
    *name = (port_name_t)ret;
    return 0;
}
