/*
 * printf for user programs: formats into a stack buffer and writes it to the
 * console with one SYS_CONSOLE_WRITE per call, so a line is not interleaved
 * with other tasks' output. Longer output is flushed in 512-byte pieces.
 */
#include <ipc/fmt.h>
#include <ipc/sys.h>

#define PRINT_BUFFER_SIZE 512

struct print_buffer {
    char data[PRINT_BUFFER_SIZE];
    size_t used;
};

static void print_flush(struct print_buffer *pb)
{
    if (pb->used > 0)
        sys_console_write(pb->data, pb->used);
    pb->used = 0;
}

static void print_sink(void *ctx, const char *buf, size_t len)
{
    struct print_buffer *pb = ctx;

    while (len > 0) {
        if (pb->used == PRINT_BUFFER_SIZE)
            print_flush(pb);
        pb->data[pb->used++] = *buf++;
        len--;
    }
}

/* See <ipc/fmt.h>: format @fmt to the console; returns characters produced. */
int vprintf(const char *fmt, va_list ap)
{
    struct print_buffer pb;
    int n;

    pb.used = 0;
    n = fmt_format(print_sink, &pb, fmt, ap);
    print_flush(&pb);
    return n;
}

/* See <ipc/fmt.h>: vprintf with a variable argument list. */
int printf(const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vprintf(fmt, ap);
    va_end(ap);
    return n;
}
