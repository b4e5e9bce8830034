/*
 * Fault isolation: the `fault` program commits one kind of fault per run;
 * each must end that task with TASK_END_FAULT and the right fault address
 * while this task carries on. The "ok" run is the control and exits 0.
 */
#include <ipc/fmt.h>
#include <ipc/sys.h>
#include <ipc/test.h>
#include <stdint.h>

#define FAULTS_TEXT_BASE 0x400000ul /* where user.ld puts _start */
#define FAULTS_KERNEL_ADDR 0xffff800000000000ul

enum faults_addr_check {
    FAULTS_ADDR_EXACT,     /* fault_addr == expect */
    FAULTS_ADDR_DATA_PAGE, /* page aligned, above the text base, below 4 GiB */
    FAULTS_ADDR_ANY,
};

struct faults_case {
    const char *args;
    int end;
    enum faults_addr_check check;
    uint64_t expect;
};

static const struct faults_case faults_cases[] = {
    {"null", TASK_END_FAULT, FAULTS_ADDR_EXACT, 0},
    {"rotext", TASK_END_FAULT, FAULTS_ADDR_EXACT, FAULTS_TEXT_BASE},
    {"nx", TASK_END_FAULT, FAULTS_ADDR_DATA_PAGE, 0},
    {"kernel", TASK_END_FAULT, FAULTS_ADDR_EXACT, FAULTS_KERNEL_ADDR},
    {"guard", TASK_END_FAULT, FAULTS_ADDR_ANY, 0},
    {"ok", TASK_END_EXIT, FAULTS_ADDR_ANY, 0},
};

/* Run one case and check how the task ended. */
static void faults_run(const struct faults_case *c)
{
    struct task_status st = {0, 0, 0};
    uint64_t a;
    long task = sys_task_spawn("fault", c->args);

    if (!TEST_CHECK(task >= 0, "spawn fault %s: %s", c->args, err_text(task)))
        return;
    if (!TEST_CHECK(sys_task_wait(task_port_of(task), &st) == 0, "wait fault %s", c->args))
        return;
    a = st.fault_addr;
    printf("test_faults: %s: end %d code %d fault_addr 0x%lx\n", c->args, st.end, st.code,
           (unsigned long)a);
    TEST_CHECK(st.end == c->end, "%s: end %d, expected %d", c->args, st.end, c->end);
    if (c->end == TASK_END_EXIT)
        TEST_CHECK(st.code == 0, "%s: exit code %d", c->args, st.code);
    if (c->check == FAULTS_ADDR_EXACT)
        TEST_CHECK(a == c->expect, "%s: fault_addr 0x%lx, expected 0x%lx", c->args,
                   (unsigned long)a, (unsigned long)c->expect);
    if (c->check == FAULTS_ADDR_DATA_PAGE)
        TEST_CHECK((a & 4095) == 0 && a > FAULTS_TEXT_BASE && a < (1ul << 32),
                   "%s: fault_addr 0x%lx is not the data page", c->args, (unsigned long)a);
}

int main(void)
{
    unsigned int i;

    for (i = 0; i < sizeof(faults_cases) / sizeof(faults_cases[0]); i++)
        faults_run(&faults_cases[i]);
    printf("test_faults: still running after all faults\n");
    return test_report("test_faults");
}
