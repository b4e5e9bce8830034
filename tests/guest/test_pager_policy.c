/*
 * Policy in the pager (section 3.6.6): the R and M bits passed up with
 * query_bits, and eviction asked for with lock_request. A pager thread serves
 * an 8-page object; the test reads two pages and writes two, checks the bits
 * the kernel reports (and that reading clears them), then cleans (dirty pages
 * come back as copies with data_return and stay resident) and flushes
 * (dirty pages come back, clean ones are dropped, and a later touch asks the
 * pager again). Clearing M with query_bits does not make a page clean: the
 * kernel still returns every page modified since the pager last had it.
 */
#include <ipc/fmt.h>
#include <ipc/ipc.h>
#include <ipc/sys.h>
#include <ipc/test.h>
#include <memory_object_control_defs.h>

#include "pager_util.h"

#define POL_PAGES 8u
#define POL_RESIDENT 0x1u
#define POL_REF 0x2u
#define POL_MOD 0x4u
#define POL_CLEAN 1u
#define POL_FLUSH 2u

static port_name_t pol_port;
static volatile port_name_t pol_control;
static volatile unsigned pol_requests, pol_returns;
static uint64_t pol_ret_offset[8], pol_ret_word[8];

/* Serve the object: pattern pages for requests, remember what comes back. */
static void pol_pager(void *arg)
{
    struct pt_event ev;

    (void)arg;
    for (;;) {
        long r = pt_recv(pol_port, &ev, IPC_TIMEOUT_NONE);
        if (r == -ERR_DEAD || r == -ERR_NAME || r == -ERR_RIGHT)
            return;
        if (r != 0)
            continue;
        if (ev.kind == PT_INIT)
            pol_control = ev.control;
        if (ev.kind == PT_REQUEST) {
            /* Counted first: the fault the supply completes may run before we do. */
            pt_count(&pol_requests);
            TEST_CHECK(pt_supply(pol_control, ev.offset, 1, 0, 0) == 0, "supply %lx",
                       (unsigned long)ev.offset);
        }
        if (ev.kind == PT_RETURN && pol_returns < 8) {
            pol_ret_offset[pol_returns] = ev.offset;
            pol_ret_word[pol_returns] = ev.word0;
            pt_count(&pol_returns);
        }
    }
}

/* query_bits over the object: one byte per page into @bits. */
static void pol_query(uint8_t *bits)
{
    uint32_t len = 0;
    long r = memory_object_control_query_bits(pol_control, 0, POL_PAGES * PAGE_SIZE, bits, &len);

    TEST_CHECK(r == 0 && len == POL_PAGES, "query_bits: %ld, %u bytes", r, len);
}

static void pol_check_bits(const uint8_t *bits, const uint8_t *want, const char *when)
{
    for (unsigned i = 0; i < POL_PAGES; i++)
        TEST_CHECK(bits[i] == want[i], "%s: page %u bits %x, want %x", when, i, bits[i], want[i]);
}

int main(void)
{
    uint8_t bits[512];

    TEST_CHECK(port_allocate(IPC_RIGHT_RECEIVE, &pol_port) == 0, "port");
    TEST_CHECK(pt_thread(pol_pager, NULL) > 0, "pager thread");
    long base = sys_vm_map(pol_port, POL_PAGES * PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE);
    if (!TEST_CHECK(base > 0, "vm_map: %ld", base))
        return test_report("test_pager_policy");
    volatile uint64_t *page[POL_PAGES];
    for (unsigned i = 0; i < POL_PAGES; i++)
        page[i] = (volatile uint64_t *)(base + i * PAGE_SIZE);

    /* Read pages 0 and 1, write 2 and 3, leave the rest alone. */
    TEST_CHECK(page[0][1] == pt_word(0, 1, 0) && page[1][1] == pt_word(PAGE_SIZE, 1, 0), "data");
    page[2][0] = 0xd1d2;
    page[3][0] = 0xd3d3;
    pol_query(bits);
    const uint8_t want1[POL_PAGES] = {POL_RESIDENT | POL_REF, POL_RESIDENT | POL_REF,
                                      POL_RESIDENT | POL_REF | POL_MOD,
                                      POL_RESIDENT | POL_REF | POL_MOD};
    pol_check_bits(bits, want1, "after touching");
    pol_query(bits);
    const uint8_t want2[POL_PAGES] = {POL_RESIDENT, POL_RESIDENT, POL_RESIDENT, POL_RESIDENT};
    pol_check_bits(bits, want2, "after reading the bits once");

    /* Clean: the pages written since they were supplied (0, 2 and 3, although
     * the M bits of 2 and 3 were read and cleared) go back as copies and stay. */
    page[0][0] = 0xc0c0;
    TEST_CHECK(pt_lock(pol_control, 0, POL_PAGES * PAGE_SIZE, POL_CLEAN) == 0, "clean");
    TEST_CHECK(pt_wait_count(&pol_returns, 3, 2 * PT_SEC), "no data_return after clean");
    const uint64_t clean_off[3] = {0, 2 * PAGE_SIZE, 3 * PAGE_SIZE},
                   clean_word[3] = {0xc0c0, 0xd1d2, 0xd3d3};
    for (unsigned i = 0; i < 3; i++)
        TEST_CHECK(pol_ret_offset[i] == clean_off[i] && pol_ret_word[i] == clean_word[i],
                   "clean returned %lx: %lx", (unsigned long)pol_ret_offset[i],
                   (unsigned long)pol_ret_word[i]);
    TEST_CHECK(page[0][0] == 0xc0c0 && pol_requests == 4, "clean changed the pages (%u requests)",
               pol_requests);

    /* Flush: only page 3 is dirty again and goes back; all leave memory. */
    page[3][0] = 0xf3f3;
    TEST_CHECK(pt_lock(pol_control, 0, POL_PAGES * PAGE_SIZE, POL_FLUSH) == 0, "flush");
    TEST_CHECK(pt_wait_count(&pol_returns, 4, 2 * PT_SEC), "no data_return after flush");
    sys_sleep_ns(20 * PT_MS); /* nothing more may come */
    TEST_CHECK(pol_returns == 4 && pol_ret_offset[3] == 3 * PAGE_SIZE && pol_ret_word[3] == 0xf3f3,
               "flush returned %u pages, last %lx: %lx", pol_returns,
               (unsigned long)pol_ret_offset[3], (unsigned long)pol_ret_word[3]);
    pol_query(bits);
    const uint8_t none[POL_PAGES] = {0};
    pol_check_bits(bits, none, "after flush");
    TEST_CHECK(page[1][2] == pt_word(PAGE_SIZE, 2, 0), "refetched data");
    /* The pager counts a request after its supply: wait for the count, not the supply. */
    TEST_CHECK(pt_wait_count(&pol_requests, 5, 2 * PT_SEC) && pol_requests == 5,
               "a flushed page did not come back from the pager (%u)", pol_requests);

    TEST_CHECK(sys_vm_deallocate((void *)base, POL_PAGES * PAGE_SIZE) == 0, "deallocate");
    sys_sleep_ns(20 * PT_MS); /* the pager takes the terminate */
    port_deallocate(pol_control);
    port_destroy(pol_port);
    sys_sleep_ns(20 * PT_MS); /* the pager thread sees its port die and ends */
    return test_report("test_pager_policy");
}
