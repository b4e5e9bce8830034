/*
 * Host tests of init's name registry (servers/init/registry.c): adding and
 * looking up, the duplicate policy, a full table, bad and long names, and
 * dropping entries whose port died. Fake callbacks stand in for the port
 * system calls and count the send references the registry holds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "registry.h"

#define FAKE_PORTS 256

/* What the registry did to each fake port name. */
struct fake_ports {
    bool dead[FAKE_PORTS];
    int released[FAKE_PORTS];
    int watched[FAKE_PORTS];
};

static bool fake_dead(void *cookie, port_name_t port)
{
    struct fake_ports *f = cookie;

    assert_true(port > 0 && port < FAKE_PORTS);
    return f->dead[port];
}

static void fake_release(void *cookie, port_name_t port)
{
    struct fake_ports *f = cookie;

    assert_true(port > 0 && port < FAKE_PORTS);
    f->released[port]++;
}

static void fake_watch(void *cookie, port_name_t port)
{
    struct fake_ports *f = cookie;

    assert_true(port > 0 && port < FAKE_PORTS);
    f->watched[port]++;
}

static const struct registry_ops fake_ops = {
    .dead = fake_dead,
    .release = fake_release,
    .watch = fake_watch,
};

struct fixture {
    struct registry reg;
    struct fake_ports ports;
};

static int fixture_setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof(*fx));

    assert_non_null(fx);
    registry_init(&fx->reg, &fake_ops, &fx->ports);
    *state = fx;
    return 0;
}

static int fixture_teardown(void **state)
{
    free(*state);
    return 0;
}

static void test_registry_add_lookup(void **state)
{
    struct fixture *fx = *state;
    port_name_t port = PORT_NULL;

    assert_int_equal(registry_add(&fx->reg, "echo", 5), 0);
    assert_int_equal(registry_add(&fx->reg, "echo2", 6), 0);
    assert_int_equal(fx->ports.watched[5], 1);
    assert_int_equal(registry_lookup(&fx->reg, "echo", &port), 0);
    assert_int_equal(port, 5);
    assert_int_equal(registry_lookup(&fx->reg, "echo2", &port), 0);
    assert_int_equal(port, 6);
    assert_int_equal(fx->ports.released[5], 0); /* a lookup leaves the reference in place */
    assert_int_equal(fx->reg.count, 2);
}

/* The alias ("pager"): lookups follow it, it moves, and it cannot be taken or point at itself. */
static void test_registry_alias(void **state)
{
    struct fixture *fx = *state;
    port_name_t port = PORT_NULL;

    assert_int_equal(registry_add(&fx->reg, "default_pager", 5), 0);
    assert_int_equal(registry_add(&fx->reg, "pager2", 6), 0);
    assert_int_equal(registry_lookup(&fx->reg, "pager", &port), -ERR_NOENT);
    assert_int_equal(registry_alias(&fx->reg, "pager", "default_pager"), 0);
    assert_int_equal(registry_lookup(&fx->reg, "pager", &port), 0);
    assert_int_equal(port, 5);
    assert_int_equal(registry_alias(&fx->reg, "pager", "pager2"), 0); /* a switch */
    assert_int_equal(registry_lookup(&fx->reg, "pager", &port), 0);
    assert_int_equal(port, 6);
    assert_int_equal(registry_add(&fx->reg, "pager", 7), -ERR_BUSY); /* not a service's name */
    assert_int_equal(fx->ports.released[7], 1);
    assert_int_equal(registry_alias(&fx->reg, "pager2", "default_pager"), -ERR_BUSY);
    assert_int_equal(registry_alias(&fx->reg, "x", "x"), -ERR_INVAL);
    assert_int_equal(registry_alias(&fx->reg, "", "pager2"), -ERR_INVAL);
    assert_int_equal(registry_alias(&fx->reg, "pager", "bad name"), -ERR_INVAL);
    assert_int_equal(registry_lookup(&fx->reg, "pager", &port),
                     0); /* the refusals changed nothing */
    assert_int_equal(port, 6);
    assert_int_equal(registry_alias(&fx->reg, "pager", "gone"), 0); /* to a name not registered */
    assert_int_equal(registry_lookup(&fx->reg, "pager", &port), -ERR_NOENT);
    assert_int_equal(fx->reg.count, 2);
}

static void test_registry_lookup_missing(void **state)
{
    struct fixture *fx = *state;
    port_name_t port = 77;

    assert_int_equal(registry_lookup(&fx->reg, "echo", &port), -ERR_NOENT);
    assert_int_equal(registry_add(&fx->reg, "echo", 5), 0);
    assert_int_equal(registry_lookup(&fx->reg, "ech", &port), -ERR_NOENT); /* no prefix match */
    assert_int_equal(registry_lookup(&fx->reg, "echoo", &port), -ERR_NOENT);
    assert_int_equal(registry_lookup(&fx->reg, "", &port), -ERR_INVAL);
    assert_int_equal(registry_lookup(&fx->reg, NULL, &port), -ERR_INVAL);
    assert_int_equal(port, 77); /* not written on failure */
}

static void test_registry_duplicate_busy(void **state)
{
    struct fixture *fx = *state;
    port_name_t port = PORT_NULL;

    assert_int_equal(registry_add(&fx->reg, "echo", 5), 0);
    assert_int_equal(registry_add(&fx->reg, "echo", 6), -ERR_BUSY);
    assert_int_equal(fx->ports.released[6], 1); /* the refused right is released */
    assert_int_equal(fx->ports.watched[6], 0);
    assert_int_equal(registry_lookup(&fx->reg, "echo", &port), 0);
    assert_int_equal(port, 5);
    assert_int_equal(fx->reg.count, 1);
}

static void test_registry_duplicate_dead_replaced(void **state)
{
    struct fixture *fx = *state;
    port_name_t port = PORT_NULL;

    assert_int_equal(registry_add(&fx->reg, "echo", 5), 0);
    fx->ports.dead[5] = true;
    assert_int_equal(registry_add(&fx->reg, "echo", 6), 0);
    assert_int_equal(fx->ports.released[5], 1);
    assert_int_equal(fx->ports.released[6], 0);
    assert_int_equal(registry_lookup(&fx->reg, "echo", &port), 0);
    assert_int_equal(port, 6);
    assert_int_equal(fx->reg.count, 1);
}

static void test_registry_full(void **state)
{
    struct fixture *fx = *state;
    char name[16];
    port_name_t port = PORT_NULL;

    for (unsigned i = 0; i < REGISTRY_SIZE; i++) {
        snprintf(name, sizeof(name), "svc%u", i);
        assert_int_equal(registry_add(&fx->reg, name, 10 + i), 0);
    }
    assert_int_equal(fx->reg.count, REGISTRY_SIZE);
    assert_int_equal(registry_add(&fx->reg, "one-more", 200), -ERR_LIMIT);
    assert_int_equal(fx->ports.released[200], 1);
    assert_int_equal(registry_lookup(&fx->reg, "one-more", &port), -ERR_NOENT);
    /* A dead entry makes room: the full table is swept before giving up. */
    fx->ports.dead[10 + 7] = true;
    assert_int_equal(registry_add(&fx->reg, "one-more", 201), 0);
    assert_int_equal(fx->ports.released[10 + 7], 1);
    assert_int_equal(registry_lookup(&fx->reg, "svc7", &port), -ERR_NOENT);
    assert_int_equal(registry_lookup(&fx->reg, "one-more", &port), 0);
    assert_int_equal(port, 201);
    assert_int_equal(registry_lookup(&fx->reg, "svc63", &port), 0);
    assert_int_equal(port, 10 + 63);
}

static void test_registry_bad_names(void **state)
{
    struct fixture *fx = *state;
    char longest[REGISTRY_NAME_MAX], unterminated[REGISTRY_NAME_MAX];
    port_name_t port = PORT_NULL;

    memset(longest, 'a', sizeof(longest) - 1);
    longest[sizeof(longest) - 1] = '\0';
    memset(unterminated, 'b', sizeof(unterminated)); /* ASan catches a read past it */
    assert_int_equal(registry_add(&fx->reg, longest, 5), 0);
    assert_int_equal(registry_lookup(&fx->reg, longest, &port), 0);
    assert_int_equal(port, 5);
    assert_int_equal(registry_add(&fx->reg, unterminated, 6), -ERR_INVAL);
    assert_int_equal(registry_lookup(&fx->reg, unterminated, &port), -ERR_INVAL);
    assert_int_equal(registry_add(&fx->reg, "", 7), -ERR_INVAL);
    assert_int_equal(registry_add(&fx->reg, "two words", 8), -ERR_INVAL);
    assert_int_equal(registry_add(&fx->reg, "tab\there", 9), -ERR_INVAL);
    assert_int_equal(registry_add(&fx->reg, "high\x80", 11), -ERR_INVAL);
    assert_int_equal(registry_add(&fx->reg, NULL, 12), -ERR_INVAL);
    assert_int_equal(registry_add(&fx->reg, "nullport", PORT_NULL), -ERR_INVAL);
    for (port_name_t p = 6; p <= 12; p++)
        assert_int_equal(fx->ports.released[p], p == 10 ? 0 : 1);
    assert_int_equal(fx->reg.count, 1);
}

static void test_registry_lookup_dead(void **state)
{
    struct fixture *fx = *state;
    port_name_t port = PORT_NULL;

    assert_int_equal(registry_add(&fx->reg, "echo", 5), 0);
    fx->ports.dead[5] = true;
    assert_int_equal(registry_lookup(&fx->reg, "echo", &port), -ERR_DEAD);
    assert_int_equal(fx->ports.released[5], 1);
    assert_int_equal(registry_lookup(&fx->reg, "echo", &port), -ERR_NOENT);
    assert_int_equal(fx->reg.count, 0);
}

static void test_registry_port_died(void **state)
{
    struct fixture *fx = *state;
    port_name_t port = PORT_NULL;

    assert_int_equal(registry_add(&fx->reg, "echo", 5), 0);
    assert_int_equal(registry_add(&fx->reg, "echo-too", 5), 0); /* two references to one port */
    assert_int_equal(registry_add(&fx->reg, "other", 7), 0);
    /* A notification the port's state does not confirm (forged or stale) changes nothing. */
    assert_int_equal(registry_port_died(&fx->reg, 5), 0);
    assert_int_equal(registry_port_died(&fx->reg, PORT_NULL), 0);
    assert_int_equal(fx->ports.released[5], 0);
    fx->ports.dead[5] = true;
    assert_int_equal(registry_port_died(&fx->reg, 5), 2);
    assert_int_equal(fx->ports.released[5], 2);
    assert_int_equal(registry_lookup(&fx->reg, "echo", &port), -ERR_NOENT);
    assert_int_equal(registry_lookup(&fx->reg, "echo-too", &port), -ERR_NOENT);
    assert_int_equal(registry_lookup(&fx->reg, "other", &port), 0);
    assert_int_equal(port, 7);
    assert_int_equal(registry_port_died(&fx->reg, 5), 0); /* a second notification: no-op */
    assert_int_equal(fx->ports.released[5], 2);
    assert_int_equal(fx->reg.count, 1);
}

static void test_registry_sweep(void **state)
{
    struct fixture *fx = *state;

    assert_int_equal(registry_add(&fx->reg, "a", 5), 0);
    assert_int_equal(registry_add(&fx->reg, "b", 6), 0);
    assert_int_equal(registry_add(&fx->reg, "c", 7), 0);
    assert_int_equal(registry_sweep(&fx->reg), 0);
    fx->ports.dead[5] = fx->ports.dead[7] = true;
    assert_int_equal(registry_sweep(&fx->reg), 2);
    assert_int_equal(fx->ports.released[5] + fx->ports.released[7], 2);
    assert_int_equal(fx->ports.released[6], 0);
    assert_int_equal(fx->reg.count, 1);
    /* Freed names can be registered again. */
    assert_int_equal(registry_add(&fx->reg, "a", 8), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_registry_add_lookup, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_registry_alias, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_registry_lookup_missing, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(test_registry_duplicate_busy, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(test_registry_duplicate_dead_replaced, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(test_registry_full, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_registry_bad_names, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_registry_lookup_dead, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_registry_port_died, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_registry_sweep, fixture_setup, fixture_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
