/*
 * A task that never yields and never makes a system call: only timer
 * preemption can take the CPU away from it. test_preempt runs two of them.
 */

int main(void)
{
    volatile unsigned long counter = 0;

    for (;;)
        counter++;
}
