/*
 * The compressed pager under memory pressure (pager=compressed_pager
 * swap=disk): three regions of zero pages (twice the free memory),
 * text-like pages and random pages (each as large as the free memory),
 * written in turn so that each pushes the one before out. After each
 * phase the pager's figures (pager_stats pool) must show what that content
 * costs: zero pages are counted and take no pool entry, text-like pages go
 * into the pool at nearly LZ4's own ratio (checked when the pool holds
 * enough of them), random pages are rejected to the disk. Then several
 * passes read every page back and rewrite a third of them, so pages travel
 * pool -> disk -> memory and back; every byte must be right, and the pool
 * must have served hits and the disk reads. Argument "passes=N" (default 3).
 */
#include "page_content.h"
#include "swap_util.h"

#include <abi/syscall.h>
#include <ipc/ipc.h>
#include <ipc/pager_stats.h>
#include <ipc/sys.h>
#include <ipc/test.h>
#include <lib/cmdline.h>
#include <lib/lib.h>
#include <lz4.h>
#include <stdio.h>
#include <string.h>

#define TCP_NAME "test_compressed_pager"
#define TCP_SEED 0xc0ffee
#define TCP_FEW 16         /* pages other tasks may return meanwhile */
#define TCP_RATIO_PAGES 32 /* the pool's ratio is checked over this many pages at least */

enum tcp_kind { TCP_ZERO, TCP_TEXT, TCP_RANDOM, TCP_KINDS };
static const char *const tcp_kind_name[TCP_KINDS] = {"zero", "text-like", "random"};

static char *tcp_base[TCP_KINDS];
static uint8_t *tcp_version[TCP_KINDS];           /* per page: the content's version */
static uint64_t tcp_pages, tcp_npages[TCP_KINDS]; /* free memory, each region */
static port_name_t tcp_pager;
static char tcp_expect[PAGE_SIZE];

/* Page @i of @kind as version @v should read. */
static void tcp_fill(enum tcp_kind kind, uint64_t i, unsigned v, char *out)
{
    if (kind == TCP_ZERO)
        memset(out, 0, PAGE_SIZE);
    else if (kind == TCP_TEXT)
        page_fill_text(out, TCP_SEED + v, i);
    else
        page_fill_random(out, TCP_SEED + v, i);
}

/* Write page @i of @kind as version @v (a zero page: dirtied, then zeros again). */
static void tcp_write(enum tcp_kind kind, uint64_t i, unsigned v)
{
    char *page = tcp_base[kind] + i * PAGE_SIZE;

    if (kind == TCP_ZERO) {
        *(volatile char *)page = 1;
        *(volatile char *)page = 0;
    } else {
        tcp_fill(kind, i, v, page);
    }
    tcp_version[kind][i] = (uint8_t)v;
}

static void tcp_pool(struct pager_pool_info *out, struct sw_stats *disk)
{
    TEST_CHECK(pager_stats_pool_read(tcp_pager, out) == 0, "pager_stats pool");
    TEST_CHECK(sw_stats(disk) == 0, "pager_stats get");
}

/* Pages of @kind read back wrong; rewrite those with i % 3 == @pass % 3 as version @pass. */
static uint64_t tcp_pass(enum tcp_kind kind, unsigned pass)
{
    uint64_t bad = 0;

    for (uint64_t i = 0; i < tcp_npages[kind]; i++) {
        tcp_fill(kind, i, tcp_version[kind][i], tcp_expect);
        if (memcmp(tcp_base[kind] + i * PAGE_SIZE, tcp_expect, PAGE_SIZE) != 0 && bad++ < 4)
            printf(TCP_NAME ": %s page %lu wrong after pass %u\n", tcp_kind_name[kind],
                   (unsigned long)i, pass);
        if (i % 3 == pass % 3)
            tcp_write(kind, i, pass);
    }
    return bad;
}

/* LZ4's own ratio on @n text-like pages, times 100. */
static uint64_t tcp_lz4_ratio(unsigned n)
{
    static char packed[LZ4_COMPRESSBOUND(PAGE_SIZE)];
    uint64_t in = 0, out = 0;

    for (unsigned i = 0; i < n; i++) {
        page_fill_text(tcp_expect, TCP_SEED, i);
        int len = LZ4_compress_default(tcp_expect, packed, PAGE_SIZE, (int)sizeof(packed));
        in += PAGE_SIZE;
        out += len > 0 ? (uint64_t)len : PAGE_SIZE;
    }
    return in * 100 / out;
}

int main(int argc, char **argv)
{
    struct pager_pool_info p0, p1, p2, p3, p4;
    struct sw_stats d0, d1, d2, d3, d4;
    struct vm_stat vm;
    uint64_t passes = 3;
    const char *v = cmdline_option(argc, argv, "passes");

    if (v != NULL && (!parse_u64(v, &passes) || passes == 0 || passes > 200))
        passes = 3;
    if (!TEST_CHECK(pager_stats_system(&tcp_pager) == 0, "no system pager"))
        return test_report(TCP_NAME);
    tcp_pool(&p0, &d0);
    if (!TEST_CHECK(p0.capacity > 0 && d0.disk == 1, "the system pager has no pool or no disk"))
        return test_report(TCP_NAME);
    sys_vm_stat(&vm);
    tcp_pages = vm.frames_free;
    for (int k = 0; k < TCP_KINDS; k++) {
        tcp_npages[k] = k == TCP_ZERO ? 2 * tcp_pages : tcp_pages;
        long base = sys_vm_allocate(tcp_npages[k] * PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE);
        long ver = sys_vm_allocate(tcp_npages[k], VM_PROT_READ | VM_PROT_WRITE);
        if (!TEST_CHECK(base > 0 && ver > 0, "allocate %lu pages", (unsigned long)tcp_npages[k]))
            return test_report(TCP_NAME);
        tcp_base[k] = (char *)base;
        tcp_version[k] = (uint8_t *)ver;
    }
    printf(TCP_NAME ": 4 x %lu pages, a pool of %lu KiB, a disk of %lu blocks\n",
           (unsigned long)tcp_pages, (unsigned long)(p0.capacity / 1024), (unsigned long)d0.blocks);

    /* Zero pages: the second half pushes the first out; they cost nothing. */
    for (uint64_t i = 0; i < tcp_npages[TCP_ZERO]; i++)
        tcp_write(TCP_ZERO, i, 0);
    tcp_pool(&p1, &d1);
    printf(TCP_NAME ": zero: %lu zero pages, pool pages %+ld, rejected %+ld\n",
           (unsigned long)(p1.zero - p0.zero), (long)(p1.pages - p0.pages),
           (long)(p1.rejected - p0.rejected));
    TEST_CHECK(p1.zero - p0.zero >= tcp_pages / 4, "zero pages not counted");
    TEST_CHECK(p1.pages <= p0.pages + TCP_FEW && p1.bytes <= p0.bytes + TCP_FEW * PAGE_SIZE,
               "zero pages took pool room");
    TEST_CHECK(d1.writes <= d0.writes + TCP_FEW, "zero pages went to disk");

    /* Text-like pages: into the pool at nearly LZ4's own ratio; the oldest go on to disk. */
    for (uint64_t i = 0; i < tcp_pages; i++)
        tcp_write(TCP_TEXT, i, 0);
    tcp_pool(&p2, &d2);
    uint64_t lz4 = tcp_lz4_ratio(64), ratio = p2.bytes ? p2.original * 100 / p2.bytes : 0;
    printf(TCP_NAME ": text-like: pool %lu pages in %lu bytes, ratio %lu.%02lu (LZ4 alone "
                    "%lu.%02lu), %lu evicted to disk, rejected %+ld\n",
           (unsigned long)p2.pages, (unsigned long)p2.bytes, (unsigned long)(ratio / 100),
           (unsigned long)(ratio % 100), (unsigned long)(lz4 / 100), (unsigned long)(lz4 % 100),
           (unsigned long)(p2.evicted - p1.evicted), (long)(p2.rejected - p1.rejected));
    /* What the pool holds at this moment depends on its size classes: a small pool (two
     * chunks) may just have evicted a whole chunk. Pages that went in stay in or went on. */
    TEST_CHECK(p2.pages + p2.evicted > p1.pages + p1.evicted, "no text-like page in the pool");
    if (p2.pages >= TCP_RATIO_PAGES)
        TEST_CHECK(ratio * 100 >= lz4 * 97, "the pool packs worse than 97%% of LZ4's ratio");
    else
        printf(TCP_NAME ": ratio not checked: %lu pages in the pool (fewer than %u)\n",
               (unsigned long)p2.pages, TCP_RATIO_PAGES);
    TEST_CHECK(p2.rejected <= p1.rejected + TCP_FEW, "text-like pages rejected");

    /* Random pages (pushed out by the first pass): rejected, to disk uncompressed. */
    for (uint64_t i = 0; i < tcp_pages; i++)
        tcp_write(TCP_RANDOM, i, 0);

    /* Every page back, over several passes that rewrite a third each time. */
    uint64_t bad = 0;
    for (unsigned pass = 1; pass <= passes; pass++) {
        for (int k = 0; k < TCP_KINDS; k++)
            bad += tcp_pass((enum tcp_kind)k, pass);
        if (pass > 1)
            continue;
        tcp_pool(&p3, &d3);
        printf(TCP_NAME ": random: %lu rejected, %lu blocks written\n",
               (unsigned long)(p3.rejected - p2.rejected), (unsigned long)(d3.writes - d2.writes));
        TEST_CHECK(p3.rejected - p2.rejected >= tcp_pages / 4, "random pages not rejected");
        TEST_CHECK(d3.writes - d2.writes >= p3.rejected - p2.rejected,
                   "rejected pages not on disk");
    }
    for (int k = 0; k < TCP_KINDS; k++)
        bad += tcp_pass((enum tcp_kind)k, (unsigned)passes + 1);
    tcp_pool(&p4, &d4);
    printf(TCP_NAME ": %lu passes: %lu pages wrong, %lu pool hits, %lu blocks read, %lu "
                    "evicted, pool %lu of %lu bytes\n",
           (unsigned long)passes, (unsigned long)bad, (unsigned long)(p4.hits - p0.hits),
           (unsigned long)(d4.reads - d0.reads), (unsigned long)(p4.evicted - p0.evicted),
           (unsigned long)p4.bytes, (unsigned long)p4.capacity);
    TEST_CHECK(bad == 0, "%lu pages read back wrong", (unsigned long)bad);
    TEST_CHECK(p4.hits > p0.hits, "no page came from the pool");
    TEST_CHECK(d4.reads > d0.reads, "no page came from the disk");
    TEST_CHECK(p4.evicted > p0.evicted, "the full pool evicted nothing to disk");
    TEST_CHECK(p4.bytes <= p4.capacity, "the pool holds more than its size");
    return test_report(TCP_NAME);
}
