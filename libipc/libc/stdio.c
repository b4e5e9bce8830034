/*
 * The output half of <stdio.h> for user programs: printf and its kin
 * format into a stack buffer and write it to the console with one
 * SYS_CONSOLE_WRITE per call, so a line is not interleaved with other
 * tasks' output; longer output is flushed in 512-byte pieces. stdout and
 * stderr are both the console. snprintf and vsnprintf are the shared
 * library's (lib/fmt.c).
 */
#include <stdio.h>

#include <ipc/fmt.h>
#include <ipc/sys.h>
#include <string.h>

#define PRINT_BUFFER_SIZE 512

/* A stream: only the console, so nothing to hold. */
struct runtime_file {
    int fd;
};

static struct runtime_file console_out = {1}, console_err = {2};
FILE *const stdout = &console_out;
FILE *const stderr = &console_err;

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
int vprintf(const char *restrict fmt, va_list ap)
{
    struct print_buffer pb;
    int n;

    pb.used = 0;
    n = fmt_format(print_sink, &pb, fmt, ap);
    print_flush(&pb);
    return n;
}

/* See <ipc/fmt.h>: vprintf with a variable argument list. */
int printf(const char *restrict fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vprintf(fmt, ap);
    va_end(ap);
    return n;
}

/* vprintf to @f, which is always the console. */
int vfprintf(FILE *restrict f, const char *restrict fmt, va_list ap)
{
    (void)f;
    return vprintf(fmt, ap);
}

int fprintf(FILE *restrict f, const char *restrict fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vfprintf(f, fmt, ap);
    va_end(ap);
    return n;
}

/* snprintf without a bound: the caller vouches for the room. */
int sprintf(char *restrict buf, const char *restrict fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, (size_t)-1 / 2, fmt, ap);
    va_end(ap);
    return n;
}

/* Write @n items of @size bytes to @f (the console); returns the items written. */
size_t fwrite(const void *restrict p, size_t size, size_t n, FILE *restrict f)
{
    size_t total = size * n;

    (void)f;
    if (size == 0 || n == 0)
        return 0;
    if (total / size != n || sys_console_write(p, total) != (long)total)
        return 0;
    return n;
}

int fputs(const char *restrict s, FILE *restrict f)
{
    size_t len = strlen(s);

    return len == 0 || fwrite(s, len, 1, f) == 1 ? 0 : EOF;
}

int fputc(int c, FILE *f)
{
    unsigned char byte = (unsigned char)c;

    return fwrite(&byte, 1, 1, f) == 1 ? byte : EOF;
}

int putchar(int c)
{
    return fputc(c, stdout);
}

/* @s and a newline, in one write. */
int puts(const char *s)
{
    return printf("%s\n", s) < 0 ? EOF : 0;
}

/* Nothing is buffered between calls. */
int fflush(FILE *f)
{
    (void)f;
    return 0;
}
