/*
 * Minimal check helpers for in-guest test programs. A failed check prints
 * `FAIL: <file>:<line>: <text>` and is counted; test_report() prints the
 * verdict line that the harness reads and gives main's exit status.
 */
#ifndef IPC_TEST_H
#define IPC_TEST_H

#include <abi/ipc.h>
#include <ipc/fmt.h>

/*
 * How long a test waits for an event it expects (a message, a thread's
 * end, a count reached): for ever. Wall time decides no test's result; a
 * test that never sees its event is ended by the harness's overall timeout
 * (docs/testing.md).
 */
#define TEST_WAIT IPC_TIMEOUT_NONE

/* Failed checks so far in this task. */
extern int test_failures;

/* Print one FAIL line for @file:@line with a printf-style message; count it. */
void test_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(__printf__, 3, 4)));

/* Check @cond; on failure print the formatted message. Evaluates to @cond. */
#define TEST_CHECK(cond, ...)                                                                      \
    ({                                                                                             \
        int test_ok_ = !!(cond);                                                                   \
        if (!test_ok_)                                                                             \
            test_fail(__FILE__, __LINE__, __VA_ARGS__);                                            \
        test_ok_;                                                                                  \
    })

/*
 * A dead name for bad-input tests: a send right whose port's receive right
 * died with the queue it was sent to. PORT_NULL if one could not be made.
 */
port_name_t test_dead_name(void);

/* Print `PASS: @name` when no check failed, else `FAIL: @name`. Returns 0 or 1. */
int test_report(const char *name);

#endif
