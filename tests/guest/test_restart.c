/*
 * Instruction restart: string instructions and unaligned accesses that
 * cross into non-resident pages fault part-way, and after each fault is
 * resolved they must continue with their partially updated registers
 * (rep movsb, rep stosb, movsq, a plain unaligned 8-byte store and load).
 */
#include <abi/page.h>
#include <ipc/fmt.h>
#include <ipc/string.h>
#include <ipc/sys.h>
#include <ipc/test.h>
#include <stdint.h>

#define RESTART_SRC_WORDS 2560 /* 5 pages of uint64_t */
#define RESTART_MOVS_SKIP 13
#define RESTART_MOVS_DST_OFF 7
#define RESTART_MOVS_LEN (RESTART_SRC_WORDS * 8 - RESTART_MOVS_SKIP - 50)
#define RESTART_STOS_OFF 100
#define RESTART_STOS_LEN (3 * PAGE_SIZE + 555)

/* A distinct, never zero-only value for word @i of the source array. */
#define RESTART_MIX(i) ((((uint64_t)(i) + 1) * 0x9e3779b97f4a7c15ull) ^ 0xa5a5a5a55a5a5a5aull)
#define P1(i) RESTART_MIX(i),
#define P2(i) P1(i) P1((i) + 1)
#define P4(i) P2(i) P2((i) + 2)
#define P8(i) P4(i) P4((i) + 4)
#define P16(i) P8(i) P8((i) + 8)
#define P32(i) P16(i) P16((i) + 16)
#define P64(i) P32(i) P32((i) + 32)
#define P128(i) P64(i) P64((i) + 64)
#define P256(i) P128(i) P128((i) + 128)
#define P512(i) P256(i) P256((i) + 256)
#define P1024(i) P512(i) P512((i) + 512)
#define P2048(i) P1024(i) P1024((i) + 1024)

/* Initialized data on five pages of its own, untouched until the copy. */
static uint64_t restart_src[RESTART_SRC_WORDS]
    __attribute__((aligned(4096))) = {P2048(0) P512(2048)};
_Static_assert(sizeof(restart_src) == 5 * PAGE_SIZE, "five pages");

/* A fresh zero-fill region of @pages pages, or 0 after a failed check. */
static uintptr_t restart_region(unsigned long pages)
{
    long base = sys_vm_allocate(pages * PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE);

    TEST_CHECK(base > 0, "vm_allocate %lu pages: %s", pages, err_text(base));
    return base > 0 ? (uintptr_t)base : 0;
}

/* rep movsb from the untouched data pages into a fresh region, unaligned. */
static void restart_check_movsb(void)
{
    uintptr_t region = restart_region(6);
    const uint8_t *src = (const uint8_t *)restart_src + RESTART_MOVS_SKIP;
    const uint8_t *s = src;
    uint8_t *dst, *d;
    uint64_t n = RESTART_MOVS_LEN;
    struct vm_stat before, after;
    unsigned long i, bad = 0;

    if (region == 0)
        return;
    dst = d = (uint8_t *)(region + RESTART_MOVS_DST_OFF);
    sys_vm_stat(&before);
    __asm__ volatile("rep movsb" : "+S"(s), "+D"(d), "+c"(n) : : "memory");
    sys_vm_stat(&after);
    TEST_CHECK(s == src + RESTART_MOVS_LEN, "movsb rsi advanced %ld", (long)(s - src));
    TEST_CHECK(d == dst + RESTART_MOVS_LEN, "movsb rdi advanced %ld", (long)(d - dst));
    TEST_CHECK(n == 0, "movsb rcx left %lu", (unsigned long)n);
    for (i = 0; i < RESTART_MOVS_LEN; i++) {
        uint64_t word = RESTART_MIX((i + RESTART_MOVS_SKIP) / 8);
        bad += dst[i] != (uint8_t)(word >> (8 * ((i + RESTART_MOVS_SKIP) % 8)));
    }
    TEST_CHECK(bad == 0, "movsb: %lu bytes differ from the pattern", bad);
    TEST_CHECK(dst[-1] == 0 && dst[RESTART_MOVS_LEN] == 0, "movsb wrote outside its range");
    TEST_CHECK(after.faults > before.faults, "movsb took no faults");
    printf("test_restart: rep movsb %u bytes: faults +%lu, image copies +%lu, zero fills +%lu\n",
           (unsigned int)RESTART_MOVS_LEN, (unsigned long)(after.faults - before.faults),
           (unsigned long)(after.image_copies - before.image_copies),
           (unsigned long)(after.zero_fills - before.zero_fills));
    sys_vm_deallocate((void *)region, 6 * PAGE_SIZE);
}

/* rep stosb into a fresh region, unaligned and crossing pages. */
static void restart_check_stosb(void)
{
    uintptr_t region = restart_region(4);
    uint8_t *dst, *d;
    uint64_t n = RESTART_STOS_LEN;
    unsigned long i, bad = 0;

    if (region == 0)
        return;
    dst = d = (uint8_t *)(region + RESTART_STOS_OFF);
    __asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(0xa5) : "memory");
    TEST_CHECK(d == dst + RESTART_STOS_LEN, "stosb rdi advanced %ld", (long)(d - dst));
    TEST_CHECK(n == 0, "stosb rcx left %lu", (unsigned long)n);
    for (i = 0; i < RESTART_STOS_LEN; i++)
        bad += dst[i] != 0xa5;
    TEST_CHECK(bad == 0, "stosb: %lu bytes wrong", bad);
    TEST_CHECK(dst[-1] == 0 && dst[RESTART_STOS_LEN] == 0, "stosb wrote outside its range");
    sys_vm_deallocate((void *)region, 4 * PAGE_SIZE);
}

/* Unaligned 8-byte load, store and movsq, each straddling two non-resident pages. */
static void restart_check_straddle(void)
{
    uintptr_t a = restart_region(2), b = restart_region(2), c = restart_region(2);
    const uint64_t value = 0x0123456789abcdefull;
    uint64_t got, loaded;
    uint8_t *pa, *pb, *pc, *s, *d;

    if (a == 0 || b == 0 || c == 0)
        return;
    pa = (uint8_t *)(a + PAGE_SIZE - 3);
    pb = (uint8_t *)(b + PAGE_SIZE - 5);
    pc = (uint8_t *)(c + PAGE_SIZE - 6);
    __asm__ volatile("movq (%1), %0" : "=r"(loaded) : "r"(pc) : "memory");
    TEST_CHECK(loaded == 0, "straddling load of fresh pages read 0x%lx", (unsigned long)loaded);
    __asm__ volatile("movq %1, (%0)" : : "r"(pa), "r"(value) : "memory");
    __asm__ volatile("movq (%1), %0" : "=r"(got) : "r"(pa) : "memory");
    TEST_CHECK(got == value, "straddling store/load gave 0x%lx", (unsigned long)got);
    TEST_CHECK(pa[0] == 0xef && pa[7] == 0x01, "straddling store bytes wrong");
    s = pa;
    d = pb;
    __asm__ volatile("movsq" : "+S"(s), "+D"(d) : : "memory");
    TEST_CHECK(s == pa + 8 && d == pb + 8, "movsq registers advanced %ld/%ld", (long)(s - pa),
               (long)(d - pb));
    TEST_CHECK(memcmp(pa, pb, 8) == 0, "movsq copied the wrong bytes");
    sys_vm_deallocate((void *)a, 2 * PAGE_SIZE);
    sys_vm_deallocate((void *)b, 2 * PAGE_SIZE);
    sys_vm_deallocate((void *)c, 2 * PAGE_SIZE);
}

int main(void)
{
    restart_check_movsb();
    restart_check_stosb();
    restart_check_straddle();
    return test_report("test_restart");
}
