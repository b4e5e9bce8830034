/*
 * Host tests of the system calls tools/idlgen generates from syscalls.idl,
 * both sides at once: the user stubs of <ipc/sys.h> run over a fake raw
 * call (syscall_fake/ipc/sys_call.h) that hands the registers to the
 * generated kernel dispatch, whose handlers (syscall_kernel.c) record what
 * they get. Raw register values test the decoding alone: argument order,
 * 32-bit arguments truncated as the handlers did before the dispatch was
 * generated, the user-address checks, unknown numbers and results.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <ipc/sys.h>

#include "syscall_log.h"

#define USER_TOP 0x0000800000000000ULL /* MMU_USER_TOP */
#define HIGH 0xabcd000000000000ULL     /* bits a 32-bit argument loses */

static int setup(void **state)
{
    (void)state;
    syscall_log_reset(0);
    return 0;
}

static void expect_call(const char *handler, unsigned nargs)
{
    assert_int_equal(syscall_log.calls, 1);
    assert_string_equal(syscall_log.handler, handler);
    assert_ptr_equal(syscall_log.self, syscall_fake_task);
    assert_int_equal(syscall_log.nargs, nargs);
}

/* The numbers are the ABI: they never change. */
static void test_syscall_numbers(void **state)
{
    (void)state;
    assert_int_equal(SYS_CONSOLE_WRITE, 0);
    assert_int_equal(SYS_EXIT, 1);
    assert_int_equal(SYS_VM_ALLOCATE, 7);
    assert_int_equal(SYS_TASK_SPAWN, 10);
    assert_int_equal(SYS_IPC, 15);
    assert_int_equal(SYS_PORT_OP, 16);
    assert_int_equal(SYS_VM_MAP, 19);
    assert_int_equal(SYS_PCI_CONFIG, 26);
    assert_int_equal(SYS_IRQ_ACK, 29);
    assert_int_equal(SYS_TASK_SET_RESERVE_SHARE, 30);
    assert_int_equal(SYS_CONSOLE_ATTACH, 31);
    assert_int_equal(SYS_VM_POLICY_SET, 36);
    assert_int_equal(SYS_TRACE_MARK, 39);
    assert_int_equal(SYS_VM_PAGER_MIGRATE, 40);
    assert_int_equal(SYS_VM_PAGER_STANDBY, 41);
    assert_int_equal(SYS_VM_REGION_MIGRATE, 42);
    assert_int_equal(SYS_TASK_KILL, 43);
    assert_int_equal(SYS_TASK_WAIT, 44);
    assert_int_equal(SYS_TASK_SET_EXCEPTION_PORT, 45);
    assert_int_equal(SYS_THREAD_AFFINITY, 46);
    assert_int_equal(SYS_KERN_STAT, 48);
    assert_int_equal(SYS_KERN_STAT_RESET, 49);
    assert_int_equal(SYS_TASK_ACCT, 51);
    assert_int_equal(SYS_KERNEL_CHECK, 54);
    assert_int_equal(SYS_CPU_INFO, 55);
    assert_int_equal(SYS_IPC_STAT, 57);
    assert_int_equal(SYS_PROFILE_MARK, 58);
    assert_int_equal(SYS_COUNT, 59);
}

/* Every stub passes its arguments in order, typed, and returns the handler's result. */
static void test_syscall_stubs_in_order(void **state)
{
    static char module[] = "mod", args[] = "args";
    (void)state;
    syscall_log_reset(42);
    port_name_t port;
    assert_int_equal(sys_task_spawn_call(module, args, 7, TASK_SPAWN_DRIVER, 9, &port), 42);
    expect_call("sys_task_spawn", 6);
    assert_int_equal(syscall_log.arg[0], (uintptr_t)module);
    assert_int_equal(syscall_log.arg[1], (uintptr_t)args);
    assert_int_equal(syscall_log.arg[2], 7);
    assert_int_equal(syscall_log.arg[3], TASK_SPAWN_DRIVER);
    assert_int_equal(syscall_log.arg[4], 9);
    assert_int_equal(syscall_log.arg[5], (uintptr_t)&port);

    syscall_log_reset(PORT_NULL);
    assert_int_equal(sys_set_default_pager(3, 4), PORT_NULL);
    expect_call("sys_set_default_pager", 2);
    assert_int_equal(syscall_log.arg[0], 3);
    assert_int_equal(syscall_log.arg[1], 4);

    syscall_log_reset(-ERR_PERM);
    assert_int_equal(sys_task_set_reserve_share(3, 0, 16), -ERR_PERM);
    expect_call("sys_task_set_reserve_share", 3);
    assert_int_equal(syscall_log.arg[0], 3);
    assert_int_equal(syscall_log.arg[1], 0);
    assert_int_equal(syscall_log.arg[2], 16);

    syscall_log_reset(-ERR_PERM);
    assert_int_equal(sys_pci_config(1, 0x18, 0x10, 0xfeedf00du), -ERR_PERM);
    expect_call("sys_pci_config", 4);
    assert_int_equal(syscall_log.arg[0], 1);
    assert_int_equal(syscall_log.arg[1], 0x18);
    assert_int_equal(syscall_log.arg[2], 0x10);
    assert_int_equal(syscall_log.arg[3], 0xfeedf00du);

    syscall_log_reset(0x5000);
    assert_int_equal(sys_vm_map(9, 0x3000, VM_PROT_READ), 0x5000);
    expect_call("sys_vm_map", 3);
    assert_int_equal(syscall_log.arg[0], 9);
    assert_int_equal(syscall_log.arg[1], 0x3000);
    assert_int_equal(syscall_log.arg[2], VM_PROT_READ);

    syscall_log_reset(0);
    assert_int_equal(sys_port_op(PORT_OP_SET_QLIMIT, 3, 1ULL << 40), 0);
    expect_call("sys_port_op", 3);
    assert_int_equal(syscall_log.arg[0], PORT_OP_SET_QLIMIT);
    assert_int_equal(syscall_log.arg[1], 3);
    assert_int_equal(syscall_log.arg[2], 1ULL << 40); /* a u64 keeps every bit */
}

/* The conveniences of <ipc/sys.h> fill in the arguments their names imply. */
static void test_syscall_conveniences(void **state)
{
    uint64_t phys[2];
    (void)state;
    sys_vm_allocate(0x2000, VM_PROT_READ | VM_PROT_WRITE);
    expect_call("sys_vm_allocate", 3);
    assert_int_equal(syscall_log.arg[0], 0x2000);
    assert_int_equal(syscall_log.arg[1], VM_PROT_READ | VM_PROT_WRITE);
    assert_int_equal(syscall_log.arg[2], 0); /* anywhere */

    syscall_log_reset(0);
    sys_vm_allocate_at((void *)0x400000, 0x1000, VM_PROT_READ);
    assert_int_equal(syscall_log.arg[0], 0x1000);
    assert_int_equal(syscall_log.arg[2], 0x400000);

    syscall_log_reset(0);
    sys_vm_pin_dma((void *)0x7000, 0x2000, phys);
    expect_call("sys_vm_pin", 3);
    assert_int_equal(syscall_log.arg[2], (uintptr_t)phys);

    syscall_log_reset(0);
    sys_pci_read32(0x20, 0x34);
    expect_call("sys_pci_config", 4);
    assert_int_equal(syscall_log.arg[0], 0); /* read */
    assert_int_equal(syscall_log.arg[1], 0x20);
    assert_int_equal(syscall_log.arg[2], 0x34);

    syscall_log_reset(0);
    sys_task_spawn_bootstrap("m", "", 5);
    assert_int_equal(syscall_log.arg[2], 5);
    assert_int_equal(syscall_log.arg[3], 0);
}

/* Results: u64 keeps every bit, void and noreturn calls give 0. */
static void test_syscall_results(void **state)
{
    (void)state;
    syscall_log_reset((int64_t)0x8000000000000123ULL);
    assert_true(sys_clock_ns() == 0x8000000000000123ULL);
    expect_call("sys_clock", 0);

    syscall_log_reset(-1);
    sys_yield();
    expect_call("sys_yield", 0);
    assert_int_equal(sys_call0(SYS_YIELD), 0); /* the handler's value is not the result */
    assert_int_equal(sys_call1(SYS_EXIT, 3), 0);
    assert_string_equal(syscall_log.handler, "sys_exit");
    assert_int_equal(sys_call0(SYS_THREAD_EXIT), 0);
}

/* 32-bit arguments lose their high bits (i32 then sign extends); 64-bit ones keep them. */
static void test_syscall_truncation(void **state)
{
    (void)state;
    sys_call2(SYS_TASK_WAIT, (long)(HIGH | 7), 0x1000);
    expect_call("sys_task_wait", 2);
    assert_int_equal(syscall_log.arg[0], 7);
    assert_int_equal(syscall_log.arg[1], 0x1000);

    syscall_log_reset(0);
    sys_call1(SYS_EXIT, (long)(HIGH | 0x80000000u));
    assert_int_equal(syscall_log.arg[0], (uint64_t)(int64_t)INT32_MIN);
    syscall_log_reset(0);
    sys_shutdown(3, -2);
    assert_int_equal(syscall_log.arg[0], 3);
    assert_int_equal(syscall_log.arg[1], (uint64_t)-2);

    syscall_log_reset(0);
    sys_call1(SYS_IRQ_ATTACH, (long)(HIGH | 5));
    assert_int_equal(syscall_log.arg[0], 5); /* a port name */
    syscall_log_reset(0);
    sys_call1(SYS_IRQ_ACK, (long)(HIGH | 40));
    assert_int_equal(syscall_log.arg[0], 40);
    syscall_log_reset(0);
    sys_call4(SYS_PCI_CONFIG, 1, 2, 4, (long)(HIGH | 0x6));
    assert_int_equal(syscall_log.arg[3], 0x6);
    syscall_log_reset(0);
    sys_call3(SYS_PORT_OP, (long)(HIGH | 1), (long)(HIGH | 2), (long)(HIGH | 3));
    assert_int_equal(syscall_log.arg[0], HIGH | 1);
    assert_int_equal(syscall_log.arg[1], 2);
    assert_int_equal(syscall_log.arg[2], HIGH | 3);

    /* Calls that test a whole word before taking a task id or port from it. */
    syscall_log_reset(0);
    sys_call3(SYS_TASK_INFO, (long)(HIGH | 7), (long)(1ULL << 32), 0);
    assert_int_equal(syscall_log.arg[0], 7); /* a port name */
    assert_int_equal(syscall_log.arg[1], 1ULL << 32);
    syscall_log_reset(0);
    sys_call5(SYS_TASK_SPAWN, 0, 0, (long)(1ULL << 32), 0, (long)(HIGH | 6));
    assert_int_equal(syscall_log.arg[2], 1ULL << 32);
    assert_int_equal(syscall_log.arg[4], 6); /* a port name */
}

/* uaddr arguments outside user space are refused before the handler runs. */
static void test_syscall_user_addresses(void **state)
{
    (void)state;
    syscall_log_reset(0);
    assert_int_equal(sys_call3(SYS_THREAD_CREATE, (long)USER_TOP, 0x1000, 0), -ERR_INVAL);
    assert_int_equal(sys_call3(SYS_THREAD_CREATE, 0x1000, (long)USER_TOP, 0), -ERR_INVAL);
    assert_int_equal(sys_call2(SYS_VM_QUERY, -1, 0x1000), -ERR_INVAL);
    assert_int_equal(sys_call2(SYS_VM_PAGEOUT, (long)USER_TOP, 0), -ERR_INVAL);
    assert_int_equal(syscall_log.calls, 0);

    assert_int_equal(
        sys_call3(SYS_THREAD_CREATE, (long)(USER_TOP - 1), (long)(USER_TOP - 16), (long)USER_TOP),
        0); /* the last user address; arg is no address */
    expect_call("sys_thread_create", 3);
    assert_int_equal(syscall_log.arg[2], USER_TOP);

    /* ptr arguments are not checked: vm_copy_* refuses them in the handler. */
    syscall_log_reset(0);
    assert_int_equal(sys_call1(SYS_VM_STAT, (long)USER_TOP), 0);
    expect_call("sys_vm_stat", 1);
    syscall_log_reset(3);
    assert_int_equal(sys_thread_affinity(7, 0x5), 3);
    expect_call("sys_thread_affinity", 2);
    assert_int_equal(syscall_log.arg[1], 0x5);
}

/* Numbers no call has give -ERR_NOSYS without a handler. */
static void test_syscall_unknown(void **state)
{
    (void)state;
    assert_int_equal(sys_call0(SYS_COUNT), -ERR_NOSYS);
    assert_int_equal(sys_call0(SYS_COUNT + 1000), -ERR_NOSYS);
    assert_int_equal(sys_call0(-1), -ERR_NOSYS);
    /* the calls by task id, retired for the task-port ones (43-45) */
    assert_int_equal(sys_call1(11, 2), -ERR_NOSYS);
    assert_int_equal(sys_call1(12, 2), -ERR_NOSYS);
    assert_int_equal(sys_call2(18, 0, 0), -ERR_NOSYS);
    assert_int_equal(syscall_log.calls, 0);
}

/* A raw call's handler gets the registers themselves, message words included. */
static void test_syscall_raw(void **state)
{
    const uint64_t a[6] = {1, 2, 3, 4, 5, 0x66};
    (void)state;
    syscall_log_reset(-ERR_TIMEOUT);
    assert_int_equal(fake_syscall_words(SYS_IPC, a, 0x77), -ERR_TIMEOUT);
    expect_call("sys_ipc", 0);
    assert_int_equal(syscall_log.regs_arg5, 0x66);
    assert_int_equal(syscall_log.regs_word0, 0x77);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_syscall_numbers, setup),
        cmocka_unit_test_setup(test_syscall_stubs_in_order, setup),
        cmocka_unit_test_setup(test_syscall_conveniences, setup),
        cmocka_unit_test_setup(test_syscall_results, setup),
        cmocka_unit_test_setup(test_syscall_truncation, setup),
        cmocka_unit_test_setup(test_syscall_user_addresses, setup),
        cmocka_unit_test_setup(test_syscall_unknown, setup),
        cmocka_unit_test_setup(test_syscall_raw, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
