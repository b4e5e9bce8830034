/*
 * A task that never yields and never makes a system call: only timer
 * preemption can take the CPU away from it. test_preempt runs two of them.
 */

int main(const char *args)
{
    volatile unsigned long counter = 0;

    (void)args;
    for (;;)
        counter++;
}
