/*
 * Host tests of mmu_fault_decode: every combination of the x86 #PF error-code
 * bits the kernel cares about (present, write, user, reserved, instruction
 * fetch) turns into the right machine-independent fault.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "mmu_fake.h"

#define PF_P 0x1u
#define PF_W 0x2u
#define PF_U 0x4u
#define PF_RSVD 0x8u
#define PF_I 0x10u

struct decode_case {
    uint64_t error_code;
    enum mmu_access access;
    bool present, user, reserved_bit;
};

static const struct decode_case cases[] = {
    {0, MMU_ACCESS_READ, false, false, false},
    {PF_U, MMU_ACCESS_READ, false, true, false},
    {PF_W | PF_U, MMU_ACCESS_WRITE, false, true, false},
    {PF_P | PF_W | PF_U, MMU_ACCESS_WRITE, true, true, false},
    {PF_P | PF_U, MMU_ACCESS_READ, true, true, false},
    {PF_I | PF_U, MMU_ACCESS_EXEC, false, true, false},
    {PF_P | PF_I | PF_U, MMU_ACCESS_EXEC, true, true, false},
    {PF_P | PF_I, MMU_ACCESS_EXEC, true, false, false},
    {PF_P | PF_W, MMU_ACCESS_WRITE, true, false, false},
    {PF_P | PF_RSVD, MMU_ACCESS_READ, true, false, true},
    {PF_P | PF_RSVD | PF_W | PF_U, MMU_ACCESS_WRITE, true, true, true},
    {0x20 | PF_P, MMU_ACCESS_READ, true, false, false}, /* protection-key bit: ignored */
};

static void test_fault_decode_cases(void **state)
{
    (void)state;
    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct mmu_fault f;
        uint64_t cr2 = 0x00007fffdeadb000ULL + i;
        mmu_fault_decode(cr2, cases[i].error_code, &f);
        assert_int_equal(f.addr, cr2);
        assert_int_equal(f.access, cases[i].access);
        assert_int_equal(f.present, cases[i].present);
        assert_int_equal(f.user, cases[i].user);
        assert_int_equal(f.reserved_bit, cases[i].reserved_bit);
    }
}

static void test_fault_decode_kernel_address(void **state)
{
    struct mmu_fault f;
    (void)state;
    mmu_fault_decode(0xffff800000001234ULL, PF_W, &f);
    assert_int_equal(f.addr, 0xffff800000001234ULL);
    assert_int_equal(f.access, MMU_ACCESS_WRITE);
    assert_false(f.user);
    assert_false(f.present);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fault_decode_cases),
        cmocka_unit_test(test_fault_decode_kernel_address),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
