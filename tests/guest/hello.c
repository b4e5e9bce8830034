/*
 * The greeting demo: prints its argument string, then starts two threads
 * that print a few lines each while main waits for both to finish.
 */
#include <ipc/fmt.h>
#include <ipc/sys.h>
#include <ipc/thread.h>

#define HELLO_LINES 3

static int hello_done;

/* Thread body: print a few numbered lines, yielding between them. */
static void hello_thread(void *arg)
{
    long id = (long)arg;
    int i;

    for (i = 0; i < HELLO_LINES; i++) {
        printf("hello: thread %ld says hi (%d/%d)\n", id, i + 1, HELLO_LINES);
        sys_yield();
    }
    __atomic_add_fetch(&hello_done, 1, __ATOMIC_SEQ_CST);
}

int main(int argc, char **argv)
{
    long i;

    printf("hello: hello from user space! argv:");
    for (i = 0; i < argc; i++)
        printf(" \"%s\"", argv[i]);
    printf("\n");
    for (i = 1; i <= 2; i++) {
        long id = thread_start(hello_thread, (void *)i, 0);
        if (id < 0) {
            printf("hello: thread_start: %s\n", err_text(id));
            return 1;
        }
    }
    while (__atomic_load_n(&hello_done, __ATOMIC_SEQ_CST) < 2)
        sys_sleep_ns(10 * 1000 * 1000); /* until both are done, however long that takes */
    printf("hello: both threads done, bye\n");
    return 0;
}
