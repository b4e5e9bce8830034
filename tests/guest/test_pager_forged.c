/*
 * Forged pager messages (issue 13): any holder of a send right to a pager's
 * port (the system pager's is published as "pager") could send it
 * memory_object messages that looked like the kernel's: terminate or
 * overwrite (data_return) another task's memory, make it serve a made-up
 * object (init). The kernel now marks what it sends (IPC_TAG_KERNEL) and
 * pager/lib drops every memory_object message without the mark, counting it
 * (pager_stats forged). This task pushes a pattern out to the system pager,
 * forges terminate, data_return and data_request for every object id the
 * kernel can have given out so far, and init for made-up ones, then checks
 * that the pager dropped exactly those, that its pattern comes back intact
 * and that no forged init was answered.
 */
#include "pager_util.h"

#include <ipc/fmt.h>
#include <ipc/string.h>
#include <ipc/sys.h>
#include <ipc/test.h>
#include <memory_object_defs.h>
#include <naming_defs.h>
#include <pager_stats_defs.h>

#define FORGED_PAGES 16u
#define FORGED_INITS 8u
#define FORGED_IDS_MAX 4096u /* object ids forged at most (each three times) */
#define FORGED_SALT 0xf0f0u
#define FORGED_FAKE_ID (1ull << 40) /* far above any id the kernel gave out */

/* The system pager's forged count (the test fails and 0 when it cannot be read). */
static uint64_t forged_count(port_name_t pager)
{
    uint64_t n = 0;
    int err = pager_stats_forged(pager, &n);

    TEST_CHECK(err == 0, "pager_stats forged: %s", err_text(err));
    return n;
}

/* Forge terminate, data_return (a copy of @garbage at offset 0) and data_request for @id. */
static unsigned forge_object(port_name_t pager, uint64_t id, const void *garbage)
{
    struct ipc_message m;
    unsigned sent = 0;

    sent += memory_object_terminate(pager, id) == 0;
    memory_object_data_return_build(&m, pager, id, 0, 1, garbage, PAGE_SIZE);
    m.ext.desc[0].flags = IPC_OOL_COPY; /* the stub moves the page: we send it again */
    sent += ipc_send(&m, TEST_WAIT) == 0;
    sent += memory_object_data_request(pager, id, 0, PAGE_SIZE, VM_PROT_READ) == 0;
    return sent;
}

/* Forge init of a made-up object whose control port is @control (we keep the receive right). */
static unsigned forge_init(port_name_t pager, uint64_t id, port_name_t control)
{
    struct ipc_message m;

    memory_object_init_build(&m, pager, id, PAGE_SIZE, 0, control);
    m.ext.desc[0].flags = IPC_DISP_MAKE_SEND;
    m.flags = IPC_FLAG_KERNEL; /* what a receive reports: a send ignores it */
    return ipc_send(&m, TEST_WAIT) == 0;
}

/* Our pattern, pushed out to the pager, then read back. */
static volatile uint64_t *pattern_out(void)
{
    long va = sys_vm_allocate(FORGED_PAGES * PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE);

    if (!TEST_CHECK(va >= 0, "vm_allocate: %s", err_text(va)))
        return NULL;
    volatile uint64_t *w = (volatile uint64_t *)va;
    for (uint64_t i = 0; i < FORGED_PAGES; i++)
        for (uint64_t j = 0; j < PT_WORDS; j++)
            w[i * PT_WORDS + j] = pt_word(i * PAGE_SIZE, j, FORGED_SALT);
    long out = sys_vm_pageout((void *)va, FORGED_PAGES * PAGE_SIZE);
    TEST_CHECK(out >= 0, "pageout: %s", err_text(out));
    struct vm_region_info info;
    TEST_CHECK(sys_vm_region_info(PORT_NULL, 0, (uint64_t)va, &info) == va &&
                   info.pager == VM_REGION_PAGER_EXTERNAL && info.returned >= FORGED_PAGES,
               "the pattern went to the system pager (%lu pages returned)",
               (unsigned long)info.returned);
    return w;
}

int main(void)
{
    port_name_t pager = PORT_NULL, control = PORT_NULL;
    struct kern_stat st = {0};

    TEST_CHECK(naming_lookup(ipc_bootstrap_port, "pager", &pager) == 0, "look up \"pager\"");
    TEST_CHECK(port_allocate(IPC_RIGHT_RECEIVE, &control) == 0, "a port for forged inits");
    volatile uint64_t *w = pattern_out();
    if (w == NULL || pager == PORT_NULL || control == PORT_NULL)
        return test_report("pager_forged");
    uint64_t before = forged_count(pager);

    /* Every external object's id is at most the count of objects created. */
    sys_kern_stat(&st);
    uint64_t ids = st.objects_created < FORGED_IDS_MAX ? st.objects_created : FORGED_IDS_MAX;
    unsigned sent = 0;
    long garbage = sys_vm_allocate(PAGE_SIZE, VM_PROT_READ | VM_PROT_WRITE);
    if (!TEST_CHECK(garbage >= 0, "vm_allocate: %s", err_text(garbage)))
        return test_report("pager_forged");
    memset((void *)garbage, 'X', PAGE_SIZE);
    for (uint64_t id = 1; id <= ids; id++)
        sent += forge_object(pager, id, (const void *)garbage);
    for (uint64_t i = 0; i < FORGED_INITS; i++)
        sent += forge_init(pager, FORGED_FAKE_ID + i, control);
    TEST_CHECK(sent == 3 * ids + FORGED_INITS, "sent %u forged messages of %lu", sent,
               (unsigned long)(3 * ids + FORGED_INITS));
    printf("test_pager_forged: %u forged messages for ids 1..%lu\n", sent, (unsigned long)ids);

    /* The pager handles messages on several threads: wait until it has seen them all. */
    while (forged_count(pager) - before < sent && test_failures == 0)
        sys_yield();

    /* It still serves our memory, which the forgeries did not touch. */
    bool ok = true;
    for (uint64_t i = 0; i < FORGED_PAGES; i++)
        ok &= pt_page_ok(&w[i * PT_WORDS], i * PAGE_SIZE, FORGED_SALT);
    TEST_CHECK(ok, "our pages came back changed after the forgeries");
    TEST_CHECK(forged_count(pager) - before == sent, "forged: %lu dropped, %u sent",
               (unsigned long)(forged_count(pager) - before), sent);
    /* Every forged init was dropped unread, so none was answered on its control port. */
    TEST_CHECK(pt_quiet(control, 0), "a forged init was answered");
    return test_report("pager_forged");
}
