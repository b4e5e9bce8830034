/*
 * A fuzz target without libFuzzer (the ordinary gcc build, under the host
 * tests' sanitizers): its LLVMFuzzerTestOneInput runs on FUZZ_REPLAY_INPUTS
 * inputs of a fixed pseudo-random sequence, then on the files named on the
 * command line (a crash input tools/fuzz --host kept, say). So every test
 * run builds the targets and runs their checks; tools/fuzz --host searches.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t input[8192];

static uint64_t next(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

int main(int argc, char **argv)
{
    uint64_t x = 0x9e3779b97f4a7c15ull;

    for (unsigned i = 0; i < FUZZ_REPLAY_INPUTS; i++) {
        /* Mostly short inputs (a message's header and a few descriptors), some long. */
        size_t size = next(&x) % (i % 8 ? 256 : sizeof(input));
        for (size_t b = 0; b < size; b++)
            input[b] = (uint8_t)next(&x);
        LLVMFuzzerTestOneInput(input, size);
    }
    for (int a = 1; a < argc; a++) {
        FILE *f = fopen(argv[a], "rb");
        if (!f) {
            perror(argv[a]);
            return 1;
        }
        size_t size = fread(input, 1, sizeof(input), f);
        fclose(f);
        LLVMFuzzerTestOneInput(input, size);
    }
    printf("%u inputs and %d files ran\n", FUZZ_REPLAY_INPUTS, argc - 1);
    return 0;
}
