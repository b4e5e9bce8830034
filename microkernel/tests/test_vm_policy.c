/*
 * The replacement policies against reference strings on a small simulator
 * that plays the CPU (sets R on every reference, M on writes) and the MMU
 * (reads and clears them for the policy): textbook fault counts, Belady's
 * anomaly, each policy's choice rule, and OPT as a lower bound for all;
 * and over many frames, aging's and NRU's victims from their batch of
 * candidates are the ones a look at every frame names, for far fewer reads.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <vm/policy/vm_policy.h>

#define MAX_FRAMES 16
#define NO_PAGE UINT32_MAX

/* The simulated machine: what each frame holds and its hardware bits. */
struct sim {
    uint32_t page[MAX_FRAMES];
    bool used[MAX_FRAMES];
    uint8_t bits[MAX_FRAMES]; /* VM_POLICY_REF | VM_POLICY_MOD */
    uint32_t nframes;
    unsigned writebacks;
    unsigned reads;
};

/* How a run behaves: write pattern, tick period, whether the CPU sets R. */
struct sim_opts {
    const bool *writes; /* per reference, or NULL for reads only */
    unsigned tick_every;
    bool no_ref;
};

static unsigned sim_read(void *ctx, uint32_t frame, bool clear_ref)
{
    struct sim *s = ctx;

    assert_true(frame < s->nframes);
    assert_true(s->used[frame]);
    s->reads++;
    unsigned bits = s->bits[frame];
    if (clear_ref)
        s->bits[frame] &= (uint8_t)~VM_POLICY_REF;
    return bits;
}

static void sim_clean(void *ctx, uint32_t frame)
{
    struct sim *s = ctx;

    assert_true(frame < s->nframes && s->used[frame]);
    if (s->bits[frame] & VM_POLICY_MOD)
        s->writebacks++;
    s->bits[frame] &= (uint8_t)~VM_POLICY_MOD;
}

static struct sim sim;
static struct vm_policy_frame frames[MAX_FRAMES];
static struct vm_policy policy;

/* A fresh machine with @k empty frames and policy @kind over them. */
static void sim_setup(enum vm_policy_kind kind, uint32_t k)
{
    const struct vm_policy_bits bits = {.read = sim_read, .clean = sim_clean, .ctx = &sim};

    assert_true(k <= MAX_FRAMES);
    memset(&sim, 0, sizeof(sim));
    sim.nframes = k;
    for (uint32_t i = 0; i < MAX_FRAMES; i++)
        sim.page[i] = NO_PAGE;
    assert_int_equal(vm_policy_init(&policy, kind, frames, k, &bits), 0);
}

/* Load @page into frame @frame after a fault. */
static void sim_load(uint32_t frame, uint32_t page)
{
    sim.page[frame] = page;
    sim.used[frame] = true;
    sim.bits[frame] = 0;
    assert_int_equal(vm_policy_insert(&policy, frame), 0);
}

/* The frame holding @page, or a frame freed for it (counting a fault in *@faults). */
static uint32_t sim_fault_in(uint32_t page, unsigned *faults)
{
    for (uint32_t f = 0; f < sim.nframes; f++) {
        if (sim.used[f] && sim.page[f] == page)
            return f;
    }
    (*faults)++;
    for (uint32_t f = 0; f < sim.nframes; f++) {
        if (!sim.used[f]) {
            sim_load(f, page);
            return f;
        }
    }
    uint32_t victim = vm_policy_choose(&policy);
    assert_true(victim < sim.nframes); /* never a frame that was not inserted */
    assert_true(sim.used[victim]);
    if (sim.bits[victim] & VM_POLICY_MOD)
        sim.writebacks++;
    assert_int_equal(vm_policy_remove(&policy, victim), 0);
    sim.used[victim] = false;
    sim_load(victim, page);
    return victim;
}

/* Run @refs with @k frames under @kind; returns the number of faults. */
static unsigned sim_run(enum vm_policy_kind kind, const uint32_t *refs, size_t n, uint32_t k,
                        const struct sim_opts *opts)
{
    unsigned faults = 0;

    sim_setup(kind, k);
    vm_policy_set_future(&policy, refs, n);
    for (size_t i = 0; i < n; i++) {
        if (opts && opts->tick_every && i > 0 && i % opts->tick_every == 0)
            vm_policy_tick(&policy);
        uint32_t frame = sim_fault_in(refs[i], &faults);
        if (!(opts && opts->no_ref))
            sim.bits[frame] |= VM_POLICY_REF;
        if (opts && opts->writes && opts->writes[i])
            sim.bits[frame] |= VM_POLICY_MOD;
        vm_policy_touch(&policy, frame);
    }
    assert_int_equal(policy.count, k < faults ? k : faults);
    return faults;
}

static const uint32_t classic[] = {7, 0, 1, 2, 0, 3, 0, 4, 2, 3, 0, 3, 2, 1, 2, 0, 1, 7, 0, 1};
static const uint32_t belady[] = {1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5};
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static void test_vm_policy_classic_string(void **state)
{
    (void)state;
    assert_int_equal(sim_run(VM_POLICY_FIFO, classic, COUNT(classic), 3, NULL), 15);
    assert_int_equal(sim_run(VM_POLICY_LRU, classic, COUNT(classic), 3, NULL), 12);
    assert_int_equal(sim_run(VM_POLICY_OPT, classic, COUNT(classic), 3, NULL), 9);
}

static void test_vm_policy_fifo_belady_anomaly(void **state)
{
    (void)state;
    assert_int_equal(sim_run(VM_POLICY_FIFO, belady, COUNT(belady), 3, NULL), 9);
    assert_int_equal(sim_run(VM_POLICY_FIFO, belady, COUNT(belady), 4, NULL), 10);
    /* Stack algorithms have no anomaly on the same string. */
    assert_true(sim_run(VM_POLICY_LRU, belady, COUNT(belady), 4, NULL) <=
                sim_run(VM_POLICY_LRU, belady, COUNT(belady), 3, NULL));
    assert_true(sim_run(VM_POLICY_OPT, belady, COUNT(belady), 4, NULL) <=
                sim_run(VM_POLICY_OPT, belady, COUNT(belady), 3, NULL));
}

/* Frames 0..n-1 loaded in order, all bits clear. */
static void load_frames(enum vm_policy_kind kind, uint32_t n)
{
    sim_setup(kind, n);
    for (uint32_t f = 0; f < n; f++)
        sim_load(f, 100 + f);
}

static void test_vm_policy_clock_second_chance(void **state)
{
    (void)state;
    load_frames(VM_POLICY_CLOCK, 3);
    sim.bits[0] = VM_POLICY_REF;
    assert_int_equal(policy.hand, 0);
    /* The oldest frame is referenced: it is spared and loses R; the hand moves on. */
    assert_int_equal(vm_policy_choose(&policy), 1);
    assert_int_equal(sim.bits[0] & VM_POLICY_REF, 0);
    assert_int_equal(policy.hand, 1);
    assert_int_equal(vm_policy_remove(&policy, 1), 0);
    assert_int_equal(policy.hand, 2);
    sim.used[1] = false;
    sim_load(1, 200); /* the new page goes behind the hand: order 2, 0, 1 */
    assert_int_equal(vm_policy_choose(&policy), 2);
    assert_int_equal(vm_policy_remove(&policy, 2), 0);
    sim.used[2] = false;
    assert_int_equal(vm_policy_choose(&policy), 0); /* its second chance is used up */
}

/*
 * A switch at run time keeps the resident frames in their order: FIFO's
 * oldest frame is the first clock looks at, clock then gives it its second
 * chance, and aging starts every frame from the same (empty) history.
 */
static void test_vm_policy_switch_keeps_frames(void **state)
{
    (void)state;
    load_frames(VM_POLICY_FIFO, 4);
    assert_int_equal(vm_policy_remove(&policy, 0), 0);
    sim.used[0] = false;
    sim_load(0, 300); /* order now 1, 2, 3, 0 */
    assert_int_equal(vm_policy_switch(&policy, VM_POLICY_CLOCK), 0);
    assert_int_equal(vm_policy_kind(&policy), VM_POLICY_CLOCK);
    assert_int_equal(policy.count, 4);
    sim.bits[1] = VM_POLICY_REF;
    assert_int_equal(vm_policy_choose(&policy), 2); /* 1 is spared once */
    assert_int_equal(vm_policy_switch(&policy, VM_POLICY_AGING), 0);
    assert_int_equal(policy.count, 4);
    for (uint32_t f = 0; f < 4; f++)
        assert_int_equal(policy.frames[f].stamp, 0);
    sim.bits[2] = sim.bits[3] = sim.bits[0] = VM_POLICY_REF;
    sim.bits[1] = 0;
    vm_policy_tick(&policy);
    assert_int_equal(vm_policy_choose(&policy), 1); /* the only one unreferenced this tick */
    assert_int_equal(vm_policy_switch(&policy, VM_POLICY_KIND_COUNT), -1);
    assert_int_equal(vm_policy_kind(&policy), VM_POLICY_AGING);
}

static void test_vm_policy_clock_all_referenced_is_fifo(void **state)
{
    (void)state;
    load_frames(VM_POLICY_CLOCK, 4);
    for (uint32_t f = 0; f < 4; f++)
        sim.bits[f] = VM_POLICY_REF;
    /* A full sweep clears every R and comes back to the oldest frame. */
    assert_int_equal(vm_policy_choose(&policy), 0);
    for (uint32_t f = 0; f < 4; f++)
        assert_int_equal(sim.bits[f], 0);
    assert_int_equal(policy.hand, 0);
}

/* A small linear congruential generator: the same strings on every run. */
static uint32_t lcg_next(uint32_t *seed)
{
    *seed = *seed * 1103515245u + 12345u;
    return (*seed >> 16) & 0x7fff;
}

#define RANDOM_LEN 400

/* A string over @pages pages with some locality, and a write pattern. */
static void random_string(uint32_t seed, uint32_t pages, uint32_t *refs, bool *writes)
{
    uint32_t cur = 0;

    for (size_t i = 0; i < RANDOM_LEN; i++) {
        uint32_t r = lcg_next(&seed);
        if (r % 4 == 0)
            cur = lcg_next(&seed) % pages;
        else
            cur = (cur + r % 3) % pages;
        refs[i] = cur;
        writes[i] = lcg_next(&seed) % 3 == 0;
    }
}

static void test_vm_policy_clock_without_r_is_fifo(void **state)
{
    uint32_t refs[RANDOM_LEN];
    bool writes[RANDOM_LEN];
    const struct sim_opts opts = {.no_ref = true};

    (void)state;
    for (uint32_t seed = 1; seed <= 20; seed++) {
        random_string(seed, 12, refs, writes);
        for (uint32_t k = 1; k <= 8; k++)
            assert_int_equal(sim_run(VM_POLICY_CLOCK, refs, RANDOM_LEN, k, &opts),
                             sim_run(VM_POLICY_FIFO, refs, RANDOM_LEN, k, &opts));
    }
}

static void test_vm_policy_aging_smallest_counter(void **state)
{
    /* Tanenbaum's example: R bits of pages 0..5 at five ticks. */
    static const uint8_t r_at_tick[5][6] = {
        {1, 0, 1, 0, 1, 1}, {1, 1, 0, 0, 1, 0}, {1, 1, 0, 1, 0, 1},
        {1, 0, 0, 0, 1, 0}, {0, 1, 1, 0, 0, 0},
    };
    static const uint8_t expect[6] = {0x78, 0xb0, 0x88, 0x20, 0x58, 0x28};

    (void)state;
    load_frames(VM_POLICY_AGING, 6);
    for (int t = 0; t < 5; t++) {
        for (int f = 0; f < 6; f++)
            sim.bits[f] = r_at_tick[t][f] ? VM_POLICY_REF : 0;
        vm_policy_tick(&policy);
    }
    for (int f = 0; f < 6; f++) {
        assert_int_equal(frames[f].stamp >> (VM_POLICY_AGING_BITS - 8), expect[f]);
        assert_int_equal(sim.bits[f], 0); /* the tick cleared R */
    }
    assert_int_equal(vm_policy_choose(&policy), 3); /* 0x20 is the smallest */
    /* Equal counters: the frame not referenced since the tick goes first. */
    vm_policy_remove(&policy, 3);
    frames[5].stamp = frames[2].stamp = 0;
    sim.bits[2] = VM_POLICY_REF;
    assert_int_equal(vm_policy_choose(&policy), 5);
    /* Equal keys: the oldest frame. */
    sim.bits[2] = 0;
    assert_int_equal(vm_policy_choose(&policy), 2);
}

static void test_vm_policy_nru_classes(void **state)
{
    (void)state;
    load_frames(VM_POLICY_NRU, 4);
    sim.bits[0] = VM_POLICY_REF | VM_POLICY_MOD; /* class 3 */
    sim.bits[1] = VM_POLICY_REF;                 /* class 2 */
    sim.bits[2] = VM_POLICY_MOD;                 /* class 1 */
    sim.bits[3] = 0;                             /* class 0 */
    assert_int_equal(vm_policy_choose(&policy), 3);
    sim.bits[3] = VM_POLICY_REF | VM_POLICY_MOD;
    assert_int_equal(vm_policy_choose(&policy), 2);
    sim.bits[2] = VM_POLICY_REF | VM_POLICY_MOD;
    assert_int_equal(vm_policy_choose(&policy), 1);
    /* A tick clears R everywhere: frame 1 drops to class 0. */
    vm_policy_tick(&policy);
    assert_int_equal(sim.bits[0], VM_POLICY_MOD);
    assert_int_equal(sim.bits[1], 0);
    assert_int_equal(vm_policy_choose(&policy), 1);
    sim.bits[1] = VM_POLICY_MOD; /* all class 1: the oldest */
    assert_int_equal(vm_policy_choose(&policy), 0);
}

static void test_vm_policy_wsclock_old_clean_first(void **state)
{
    (void)state;
    load_frames(VM_POLICY_WSCLOCK, 4);
    policy.tau = 2;
    for (int t = 0; t < 3; t++)
        vm_policy_tick(&policy); /* every frame is now older than tau */
    sim.bits[0] = VM_POLICY_REF; /* in the working set */
    sim.bits[1] = VM_POLICY_MOD; /* old and dirty: write-back asked */
    sim.bits[2] = 0;             /* old and clean: the victim */
    assert_int_equal(vm_policy_choose(&policy), 2);
    assert_int_equal(frames[0].stamp, policy.now); /* R refreshed its last use */
    assert_int_equal(sim.bits[0], 0);
    assert_int_equal(sim.bits[1], 0); /* the simulator finished the write */
    assert_int_equal(sim.writebacks, 1);
    assert_int_equal(policy.hand, 2);
}

static void test_vm_policy_wsclock_dirty_after_cleaning(void **state)
{
    (void)state;
    load_frames(VM_POLICY_WSCLOCK, 3);
    policy.tau = 1;
    vm_policy_tick(&policy);
    vm_policy_tick(&policy);
    for (uint32_t f = 0; f < 3; f++)
        sim.bits[f] = VM_POLICY_MOD;
    /* No clean old frame in the first sweep; frame 0's write-back finished. */
    assert_int_equal(vm_policy_choose(&policy), 0);
    assert_int_equal(sim.writebacks, 3);
    /* All young: nothing old, any clean frame will do. */
    load_frames(VM_POLICY_WSCLOCK, 3);
    sim.bits[0] = VM_POLICY_MOD;
    assert_int_equal(vm_policy_choose(&policy), 1);
}

/* Faults of every non-reference policy on @refs, each no better than OPT's. */
static void check_opt_bound(const uint32_t *refs, const bool *writes, uint32_t k)
{
    const struct sim_opts opts = {.writes = writes, .tick_every = 5};
    unsigned opt = sim_run(VM_POLICY_OPT, refs, RANDOM_LEN, k, &opts);

    for (int kind = 0; kind < VM_POLICY_KIND_COUNT; kind++)
        assert_true(opt <= sim_run(kind, refs, RANDOM_LEN, k, &opts));
}

static void test_vm_policy_opt_is_lower_bound(void **state)
{
    uint32_t refs[RANDOM_LEN];
    bool writes[RANDOM_LEN];

    (void)state;
    for (uint32_t seed = 1; seed <= 30; seed++) {
        random_string(seed, 10, refs, writes);
        for (uint32_t k = 1; k <= 9; k++)
            check_opt_bound(refs, writes, k);
    }
}

static void test_vm_policy_stack_no_anomaly(void **state)
{
    uint32_t refs[RANDOM_LEN];
    bool writes[RANDOM_LEN];

    (void)state;
    for (uint32_t seed = 1; seed <= 30; seed++) {
        random_string(seed, 14, refs, writes);
        for (uint32_t k = 1; k < 12; k++) {
            assert_true(sim_run(VM_POLICY_LRU, refs, RANDOM_LEN, k + 1, NULL) <=
                        sim_run(VM_POLICY_LRU, refs, RANDOM_LEN, k, NULL));
            assert_true(sim_run(VM_POLICY_OPT, refs, RANDOM_LEN, k + 1, NULL) <=
                        sim_run(VM_POLICY_OPT, refs, RANDOM_LEN, k, NULL));
        }
    }
}

static void test_vm_policy_enough_frames_cold_misses_only(void **state)
{
    uint32_t refs[RANDOM_LEN];
    bool writes[RANDOM_LEN];
    const struct sim_opts opts = {.writes = writes, .tick_every = 3};

    (void)state;
    random_string(7, 9, refs, writes);
    bool seen[9] = {false};
    unsigned distinct = 0;
    for (size_t i = 0; i < RANDOM_LEN; i++) {
        distinct += !seen[refs[i]];
        seen[refs[i]] = true;
    }
    for (int kind = 0; kind < VM_POLICY_KIND_COUNT; kind++)
        assert_int_equal(sim_run(kind, refs, RANDOM_LEN, 9, &opts), distinct);
}

/* Random inserts, removes, ticks and bit changes; every choice is resident. */
static void churn(enum vm_policy_kind kind, uint32_t seed)
{
    sim_setup(kind, MAX_FRAMES);
    for (int step = 0; step < 2000; step++) {
        uint32_t f = lcg_next(&seed) % MAX_FRAMES;
        switch (lcg_next(&seed) % 5) {
        case 0:
            assert_int_equal(vm_policy_insert(&policy, f), sim.used[f] ? -1 : 0);
            sim.used[f] = true;
            break;
        case 1:
            assert_int_equal(vm_policy_remove(&policy, f), sim.used[f] ? 0 : -1);
            sim.used[f] = false;
            break;
        case 2:
            vm_policy_tick(&policy);
            break;
        case 3:
            if (sim.used[f])
                sim.bits[f] = (uint8_t)(lcg_next(&seed) & 3);
            break;
        default: {
            uint32_t v = vm_policy_choose(&policy);
            assert_true(policy.count == 0 ? v == VM_POLICY_NONE : v < MAX_FRAMES && sim.used[v]);
        }
        }
    }
}

static void test_vm_policy_choose_only_resident(void **state)
{
    (void)state;
    for (int kind = 0; kind < VM_POLICY_KIND_COUNT; kind++) {
        for (uint32_t seed = 1; seed <= 5; seed++)
            churn(kind, seed);
    }
}

/* --- Many frames: the batch of candidates of aging and NRU against a full scan --- */

#define BIG_FRAMES 1024u
static uint8_t big_bits[BIG_FRAMES];
static struct vm_policy_frame big_frames[BIG_FRAMES];
static unsigned big_reads;

static unsigned big_read(void *ctx, uint32_t frame, bool clear_ref)
{
    (void)ctx;
    assert_true(frame < BIG_FRAMES && big_frames[frame].resident);
    big_reads++;
    unsigned bits = big_bits[frame];
    if (clear_ref)
        big_bits[frame] &= (uint8_t)~VM_POLICY_REF;
    return bits;
}

/* The rule of aging and NRU as a look at every frame would apply it. */
static uint64_t big_key(enum vm_policy_kind kind, uint32_t frame)
{
    unsigned bits = big_bits[frame];

    if (kind == VM_POLICY_NRU)
        return ((bits & VM_POLICY_REF) ? 2u : 0u) + ((bits & VM_POLICY_MOD) ? 1u : 0u);
    return big_frames[frame].stamp << 1 | ((bits & VM_POLICY_REF) ? 1u : 0u);
}

/* The least key, the first of them from the hand. */
static uint32_t big_full_scan(const struct vm_policy *p, enum vm_policy_kind kind)
{
    uint32_t frame = p->hand, best = p->hand;

    for (uint32_t i = 0; i < p->count; i++, frame = big_frames[frame].next)
        if (big_key(kind, frame) < big_key(kind, best))
            best = frame;
    return best;
}

/*
 * A working set over BIG_FRAMES frames: each step references a few frames
 * (R, sometimes M), every 64 steps a tick, and a victim is chosen, compared
 * with the full scan's, and loaded again as a fresh page. Returns the bit
 * reads per choice.
 */
static unsigned big_run(enum vm_policy_kind kind, uint32_t seed, unsigned steps)
{
    const struct vm_policy_bits bits = {.read = big_read};
    struct vm_policy p;

    memset(big_bits, 0, sizeof(big_bits));
    assert_int_equal(vm_policy_init(&p, kind, big_frames, BIG_FRAMES, &bits), 0);
    for (uint32_t f = 0; f < BIG_FRAMES; f++)
        assert_int_equal(vm_policy_insert(&p, f), 0);
    big_reads = 0;
    for (unsigned step = 0; step < steps; step++) {
        for (int r = 0; r < 8; r++) {
            uint32_t x = lcg_next(&seed);
            uint32_t f = (x % 4 == 0) ? x / 4 % BIG_FRAMES : x / 4 % (BIG_FRAMES / 8);
            big_bits[f] |= (uint8_t)(VM_POLICY_REF | ((x & 0x100) ? VM_POLICY_MOD : 0));
        }
        if (step % 64 == 63)
            vm_policy_tick(&p);
        uint32_t victim = big_full_scan(&p, kind); /* reads big_bits itself, not counted */
        assert_int_equal(vm_policy_choose(&p), victim);
        assert_int_equal(vm_policy_remove(&p, victim), 0);
        big_bits[victim] = 0;
        assert_int_equal(vm_policy_insert(&p, victim), 0);
    }
    return big_reads / steps;
}

static void test_vm_policy_batch_same_victims_fewer_reads(void **state)
{
    (void)state;
    for (uint32_t seed = 1; seed <= 3; seed++) {
        /* About 45 reads per choice (16 of them the ticks' looks spread over the
         * choices) where a look at every frame per choice would read 1024. */
        assert_true(big_run(VM_POLICY_AGING, seed, 2000) < BIG_FRAMES / 16);
        assert_true(big_run(VM_POLICY_NRU, seed, 2000) < BIG_FRAMES / 16);
    }
}

static void test_vm_policy_init_and_bounds(void **state)
{
    const struct vm_policy_bits bits = {.read = sim_read, .ctx = &sim};
    const struct vm_policy_bits no_read = {.ctx = &sim};

    (void)state;
    assert_int_equal(vm_policy_init(&policy, VM_POLICY_KIND_COUNT, frames, 4, &bits), -1);
    assert_int_equal(vm_policy_init(&policy, VM_POLICY_FIFO, frames, 0, &bits), -1);
    assert_int_equal(vm_policy_init(&policy, VM_POLICY_FIFO, frames, 4, &no_read), -1);
    assert_int_equal(vm_policy_init(&policy, VM_POLICY_FIFO, frames, 4, &bits), 0);
    assert_int_equal(vm_policy_choose(&policy), VM_POLICY_NONE);
    assert_int_equal(vm_policy_insert(&policy, 4), -1);
    assert_int_equal(vm_policy_remove(&policy, 0), -1);
    assert_string_equal(vm_policy_name(VM_POLICY_CLOCK), "clock");
    assert_string_equal(vm_policy_name(VM_POLICY_WSCLOCK), "wsclock");
    assert_null(vm_policy_name(VM_POLICY_KIND_COUNT));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vm_policy_classic_string),
        cmocka_unit_test(test_vm_policy_fifo_belady_anomaly),
        cmocka_unit_test(test_vm_policy_clock_second_chance),
        cmocka_unit_test(test_vm_policy_switch_keeps_frames),
        cmocka_unit_test(test_vm_policy_clock_all_referenced_is_fifo),
        cmocka_unit_test(test_vm_policy_clock_without_r_is_fifo),
        cmocka_unit_test(test_vm_policy_aging_smallest_counter),
        cmocka_unit_test(test_vm_policy_nru_classes),
        cmocka_unit_test(test_vm_policy_wsclock_old_clean_first),
        cmocka_unit_test(test_vm_policy_wsclock_dirty_after_cleaning),
        cmocka_unit_test(test_vm_policy_opt_is_lower_bound),
        cmocka_unit_test(test_vm_policy_stack_no_anomaly),
        cmocka_unit_test(test_vm_policy_enough_frames_cold_misses_only),
        cmocka_unit_test(test_vm_policy_choose_only_resident),
        cmocka_unit_test(test_vm_policy_batch_same_victims_fewer_reads),
        cmocka_unit_test(test_vm_policy_init_and_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
