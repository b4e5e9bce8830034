/*
 * The IPC system calls: ipc_msg() loads a struct ipc_message into the
 * registers of <abi/ipc.h>, executes SYS_IPC and unpacks a received message
 * (the one call whose registers are bound here by hand: its message words
 * travel in registers no other call uses); the port_* functions wrap the
 * generated sys_port_op stub. Host tests replace this file with fakes at
 * link time, so nothing else in libipc depends on it.
 */
#include <ipc/ipc.h>
#include <ipc/sys.h>

long ipc_msg(struct ipc_message *m, unsigned options, port_name_t rcv_name, uint64_t timeout_ns)
{
    long ret = SYS_IPC;
    uint64_t opt = (uint64_t)options | (uint64_t)rcv_name << 32;
    uint64_t names = (uint64_t)m->remote | (uint64_t)m->local << 32;
    uint64_t tag = IPC_TAG(m->id, m->remote_disp, m->local_disp, m->ndesc);
    register uint64_t ext __asm__("r10") = (uint64_t)(uintptr_t)&m->ext;
    register uint64_t sizes __asm__("r8") = m->ext_size | (uint64_t)sizeof(m->ext) << 32;
    register uint64_t timeout __asm__("r9") = timeout_ns;
    register uint64_t w0 __asm__("r12") = m->w[0];
    register uint64_t w1 __asm__("r13") = m->w[1];
    register uint64_t w2 __asm__("r14") = m->w[2];
    register uint64_t w3 __asm__("r15") = m->w[3];

    __asm__ volatile("syscall"
                     : "+a"(ret), "+S"(names), "+d"(tag), "+r"(sizes), "+r"(w0), "+r"(w1), "+r"(w2),
                       "+r"(w3)
                     : "D"(opt), "r"(ext), "r"(timeout)
                     : "rcx", "r11", "memory");
    if (ret != 0 || !(options & (IPC_RECV | IPC_CALL)))
        return ret;
    m->id = IPC_TAG_ID(tag);
    m->remote_disp = (uint8_t)IPC_TAG_REMOTE_DISP(tag);
    m->local_disp = (uint8_t)IPC_TAG_LOCAL_DISP(tag);
    m->ndesc = (uint8_t)IPC_TAG_NDESC(tag);
    m->remote = (port_name_t)names;
    m->local = (port_name_t)(names >> 32);
    m->ext_size = (uint32_t)sizes;
    m->w[0] = w0;
    m->w[1] = w1;
    m->w[2] = w2;
    m->w[3] = w3;
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
