/*
 * The console server and the shell's main loop. Input comes as
 * console.input messages on the shell's port; the bytes go through the line
 * editor (line.c), whose echo is written back to the console, and each
 * finished line is run. `poweroff` ends the shell, and init powers off.
 */
#include "shell.h"
#include "line.h"

#include <console_defs.h>
#include <ipc/fmt.h>
#include <ipc/ipc.h>
#include <ipc/string.h>
#include <ipc/sys.h>

#define PROMPT "> "

static port_name_t shell_port = PORT_NULL; /* console input arrives here; PORT_NULL in batch mode */
static struct line shell_line;
static bool shell_stop; /* poweroff was typed */
static struct ipc_message shell_in, shell_out;

/* Handler of console.input (console.idl): bytes wait in the kernel; read and edit them. */
int console_do_input(void *ctx, uint64_t count, uint64_t dropped)
{
    char buf[64];
    long n;

    (void)ctx, (void)count;
    if (dropped)
        printf("\r\nshell: %lu typed bytes were lost (typed too fast)\r\n", (unsigned long)dropped);
    while (!shell_stop && (n = sys_console_read(buf, sizeof(buf))) > 0) {
        for (long i = 0; i < n && !shell_stop; i++) {
            enum line_event ev = line_feed(&shell_line, (unsigned char)buf[i]);
            sys_console_write(shell_line.echo, shell_line.echo_len);
            shell_line.echo_len = 0;
            if (ev == LINE_TOO_LONG)
                printf("shell: error: line longer than %d characters, ignored\n", LINE_MAX - 1);
            if (ev == LINE_DONE && shell_run_line(line_text(&shell_line)) < 0)
                shell_stop = true;
            if (ev != LINE_NONE && !shell_stop)
                printf(PROMPT);
        }
    }
    return 0;
}

bool shell_wait_interrupt(unsigned ms)
{
    if (shell_port == PORT_NULL) {
        sys_sleep_ns((uint64_t)ms * 1000000);
        return false;
    }
    if (ipc_recv(&shell_in, shell_port, (uint64_t)ms * 1000000) != 0)
        return false; /* the time passed, nothing typed */
    /* A key stops the command (the key itself is not a command). The message
     * may be a late one for bytes already read: then nothing was typed. */
    char buf[64];
    long n, typed = 0;
    while ((n = sys_console_read(buf, sizeof(buf))) > 0)
        typed += n;
    return typed > 0;
}

/* Interactive: own console input and serve it until poweroff. */
static int shell_interactive(void)
{
    long err = port_allocate(IPC_RIGHT_RECEIVE, &shell_port);

    if (err == 0)
        err = sys_console_attach(ipc_host_port, shell_port);
    if (err != 0) {
        printf("shell: error: cannot own the console: %s\n", err_text(err));
        return 1;
    }
    line_init(&shell_line);
    printf("shell: type help for the commands\n" PROMPT);
    while (!shell_stop && ipc_recv(&shell_in, shell_port, IPC_TIMEOUT_NONE) == 0)
        console_dispatch(NULL, &shell_in, &shell_out); /* one way: nothing to answer */
    return 0;
}

/* Batch (-c): run each ';'-separated command of @cmds, echoed after the prompt. */
static int shell_batch(const char *cmds)
{
    char cmd[LINE_MAX];
    int failed = 0;

    for (const char *p = cmds; *p;) {
        while (*p == ' ' || *p == '\t')
            p++;
        size_t n = words_command_len(p);
        if (n >= sizeof(cmd)) {
            printf("shell: error: command longer than %d characters\n", LINE_MAX - 1);
            return 1;
        }
        memcpy(cmd, p, n);
        cmd[n] = '\0';
        p += n + (p[n] == ';');
        printf(PROMPT "%s\n", cmd);
        int r = shell_run_line(cmd);
        if (r < 0)
            break;
        failed |= r;
    }
    return failed;
}

/* "shell -c COMMANDS" runs the commands (';' between them); "shell" is interactive. */
int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "-c") == 0)
        return shell_batch(argv[2]);
    if (argc != 1) {
        printf("usage: shell [-c COMMANDS]\n");
        return 2;
    }
    return shell_interactive();
}
