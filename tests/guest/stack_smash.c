/*
 * Built with -fstack-protector-all: copies its argument into an eight-byte
 * buffer on the stack. A long argument runs over the canary, the function
 * calls __stack_chk_fail on its way out, and the task must end by a fault
 * (run=!stack_smash:ARG); a short one returns normally.
 */
#include <stdio.h>
#include <string.h>

/* Copy @text into a small buffer byte by byte, past its end if it is long. */
static __attribute__((noinline)) size_t copy_into_small_buffer(const char *text)
{
    char small[8];
    size_t i;

    for (i = 0; text[i] != '\0'; i++)
        ((volatile char *)small)[i] = text[i];
    return strnlen(small, i);
}

int main(int argc, char **argv)
{
    const char *args = argc > 1 ? argv[1] : "";

    printf("stack_smash: copying %zu bytes into 8\n", strlen(args));
    printf("stack_smash: returned %zu\n", copy_into_small_buffer(args));
    return 0;
}
