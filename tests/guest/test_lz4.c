/*
 * Debian's liblz4.a (package liblz4-dev, built for ordinary x86-64 with
 * the stack protector) linked into a user program: pages of varied content
 * (zeros, text, random bytes, a repeating pattern, sparse values, a table
 * of numbers) compressed one by one with LZ4's fast and high-compression
 * coders and as one frame with a content checksum, each decompressed and
 * compared byte for byte. Prints the compression ratio of each kind.
 */
#include <abi/syscall.h>
#include <ipc/test.h>
#include <lz4.h>
#include <lz4frame.h>
#include <lz4hc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGE 4096
#define PAGES_PER_KIND 32
#define KINDS 6
#define TOTAL (KINDS * PAGES_PER_KIND * PAGE)

static const char *const kind_names[KINDS] = {"zeros",   "text",   "random",
                                              "pattern", "sparse", "numbers"};

static unsigned char original[TOTAL];
static unsigned char packed[PAGE + PAGE / 255 + 64];
static unsigned char unpacked[PAGE];

/* xorshift64: the same pages on every run. */
static uint64_t random_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Words and spaces, as a page of a text file or a log. */
static void fill_text(unsigned char *p, uint64_t *seed)
{
    static const char *const words[] = {"the",    "pager",  "supplies", "a",      "page",
                                        "kernel", "fault",  "memory",   "object", "port",
                                        "of",     "thread", "message",  "and",    "to"};
    size_t at = 0;

    while (at < PAGE) {
        const char *w = words[random_next(seed) % (sizeof(words) / sizeof(words[0]))];
        while (*w != '\0' && at < PAGE)
            p[at++] = (unsigned char)*w++;
        if (at < PAGE)
            p[at++] = random_next(seed) % 11 == 0 ? '\n' : ' ';
    }
}

/* Page @index of kind @kind. */
static void fill_page(int kind, int index, unsigned char *p, uint64_t *seed)
{
    switch (kind) {
    case 0:
        memset(p, 0, PAGE);
        break;
    case 1:
        fill_text(p, seed);
        break;
    case 2:
        for (int i = 0; i < PAGE; i += 8) {
            uint64_t v = random_next(seed);
            memcpy(p + i, &v, 8);
        }
        break;
    case 3:
        for (int i = 0; i < PAGE; i++)
            p[i] = (unsigned char)("machpager-"[i % 10] + (i % 10 == 9 ? index : 0));
        break;
    case 4:
        memset(p, 0, PAGE);
        for (int i = 0; i < PAGE; i += 256) {
            uint64_t v = random_next(seed);
            memcpy(p + i + (v % 31) * 8, &v, 8);
        }
        break;
    default:
        for (int i = 0; i < PAGE; i += 4) {
            uint32_t v = (uint32_t)(index + (i / 4) % 64 * 1000); /* a table of counters */
            memcpy(p + i, &v, 4);
        }
        break;
    }
}

/* Decompress @len bytes of packed into unpacked and compare with @page. */
static int round_trip(const unsigned char *page, int len)
{
    int n = LZ4_decompress_safe((const char *)packed, (char *)unpacked, len, PAGE);

    return n == PAGE && memcmp(unpacked, page, PAGE) == 0;
}

struct kind_sizes {
    long fast, hc;
};

/* Compress each page of kind @kind both ways; round trips checked. */
static struct kind_sizes compress_kind(int kind)
{
    struct kind_sizes sz = {0, 0};
    int bound = LZ4_compressBound(PAGE);

    TEST_CHECK(bound <= (int)sizeof(packed), "bound %d", bound);
    for (int i = 0; i < PAGES_PER_KIND; i++) {
        const unsigned char *page = original + ((size_t)kind * PAGES_PER_KIND + i) * PAGE;
        int n = LZ4_compress_default((const char *)page, (char *)packed, PAGE, bound);
        TEST_CHECK(n > 0 && round_trip(page, n), "%s page %d: fast, %d bytes", kind_names[kind], i,
                   n);
        sz.fast += n;
        n = LZ4_compress_HC((const char *)page, (char *)packed, PAGE, bound, LZ4HC_CLEVEL_DEFAULT);
        TEST_CHECK(n > 0 && round_trip(page, n), "%s page %d: hc, %d bytes", kind_names[kind], i,
                   n);
        sz.hc += n;
    }
    return sz;
}

/* What each kind must at least achieve, per page (fast coder). */
static void check_sizes(int kind, struct kind_sizes sz)
{
    long per_page = sz.fast / PAGES_PER_KIND;

    if (kind == 0 || kind == 3)
        TEST_CHECK(per_page < 64, "%s: %ld bytes a page", kind_names[kind], per_page);
    else if (kind == 2)
        TEST_CHECK(per_page >= PAGE, "random: %ld bytes a page, below a page", per_page);
    else
        TEST_CHECK(per_page < PAGE * 3 / 4, "%s: %ld bytes a page", kind_names[kind], per_page);
    TEST_CHECK(sz.hc <= sz.fast, "%s: hc %ld > fast %ld", kind_names[kind], sz.hc, sz.fast);
}

/* Decompress a whole frame of @len bytes at @frame into @out; returns bytes or -1. */
static long frame_decompress(const void *frame, size_t len, unsigned char *out, size_t room)
{
    LZ4F_dctx *dctx;
    size_t out_len = room, in_len = len;
    long result = -1;

    if (LZ4F_isError(LZ4F_createDecompressionContext(&dctx, LZ4F_VERSION)))
        return -1;
    size_t rc = LZ4F_decompress(dctx, out, &out_len, frame, &in_len, NULL);
    if (!LZ4F_isError(rc) && rc == 0 && in_len == len)
        result = (long)out_len;
    LZ4F_freeDecompressionContext(dctx);
    return result;
}

/* All pages as one LZ4 frame with a content checksum; a flipped byte must be caught. */
static void check_frame(void)
{
    LZ4F_preferences_t prefs;
    size_t bound;
    unsigned char *frame, *out;

    memset(&prefs, 0, sizeof(prefs));
    prefs.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled;
    bound = LZ4F_compressFrameBound(TOTAL, &prefs);
    frame = malloc(bound);
    out = malloc(TOTAL);
    if (!TEST_CHECK(frame != NULL && out != NULL, "malloc of %zu bytes", bound))
        return;
    size_t len = LZ4F_compressFrame(frame, bound, original, TOTAL, &prefs);
    if (TEST_CHECK(!LZ4F_isError(len), "LZ4F_compressFrame: %s", LZ4F_getErrorName(len))) {
        long n = frame_decompress(frame, len, out, TOTAL);
        TEST_CHECK(n == TOTAL && memcmp(out, original, TOTAL) == 0, "frame round trip: %ld", n);
        printf("test_lz4: all %d pages as one frame: %d -> %zu bytes (ratio %.3f)\n",
               KINDS * PAGES_PER_KIND, TOTAL, len, (double)TOTAL / (double)len);
        frame[len / 2] ^= 0x40;
        n = frame_decompress(frame, len, out, TOTAL);
        TEST_CHECK(n < 0, "a corrupted frame decompressed (%ld bytes)", n);
    }
    free(out);
    free(frame);
}

/* The canary protected lz4 functions read at %fs:0x28, and the block's self pointer. */
static void check_thread_pointer(void)
{
    uint64_t self, canary;

    __asm__ volatile("mov %%fs:0, %0" : "=r"(self));
    __asm__ volatile("mov %%fs:0x28, %0" : "=r"(canary));
    TEST_CHECK(self == ABI_USER_THREAD_POINTER, "%%fs:0 = %llx", (unsigned long long)self);
    TEST_CHECK(canary != 0 && (canary & 0xff) == 0, "canary %llx", (unsigned long long)canary);
}

int main(void)
{
    uint64_t seed = 0x243f6a8885a308d3ull;

    check_thread_pointer();
    printf("test_lz4: liblz4 %s\n", LZ4_versionString());
    for (int kind = 0; kind < KINDS; kind++) {
        for (int i = 0; i < PAGES_PER_KIND; i++)
            fill_page(kind, i, original + ((size_t)kind * PAGES_PER_KIND + i) * PAGE, &seed);
    }
    for (int kind = 0; kind < KINDS; kind++) {
        struct kind_sizes sz = compress_kind(kind);
        long in = (long)PAGES_PER_KIND * PAGE;
        printf("test_lz4: %-7s %d pages, %ld bytes -> fast %ld (ratio %.2f), hc %ld (ratio %.2f)\n",
               kind_names[kind], PAGES_PER_KIND, in, sz.fast, (double)in / (double)sz.fast, sz.hc,
               (double)in / (double)sz.hc);
        check_sizes(kind, sz);
    }
    check_frame();
    return test_report("test_lz4");
}
