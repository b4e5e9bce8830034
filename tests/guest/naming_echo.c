/*
 * Helper of test_naming: a small server that registers the naming_echo
 * interface (naming_echo.idl) with init's name service as "echo", found
 * through its bootstrap port, and serves it until a quit request arrives.
 * It exits 0 after a clean quit, 1 when it could not start.
 */
#include <ipc/fmt.h>
#include <ipc/ipc.h>
#include <ipc/string.h>
#include <ipc/sys.h>
#include <naming_defs.h>
#include <naming_echo_defs.h>

extern port_name_t ipc_bootstrap_port; /* libipc/src/start.c: from the kernel */

static struct ipc_message echo_msg_in, echo_msg_out;
static bool echo_quit;

/* Handler of naming_echo.echo: @text back and @value * 2 + 1. */
int naming_echo_do_echo(void *ctx, const char *text, uint64_t value, char *echoed, uint64_t *result)
{
    (void)ctx;
    memcpy(echoed, text, strlen(text) + 1); /* dispatch checked: at most 32 bytes with the NUL */
    *result = value * 2 + 1;
    return 0;
}

/* Handler of naming_echo.quit: stop after this message. */
int naming_echo_do_quit(void *ctx)
{
    (void)ctx;
    echo_quit = true;
    return 0;
}

/* Serve @port until quit. Returns 0, or 1 when receiving fails. */
static int echo_serve(port_name_t port)
{
    struct ipc_message *in = &echo_msg_in, *out = &echo_msg_out;

    while (!echo_quit) {
        long err = ipc_recv(in, port, IPC_TIMEOUT_NONE);
        if (err != 0) {
            printf("FAIL: naming_echo: receive: %s\n", err_text(err));
            return 1;
        }
        if (naming_echo_dispatch(NULL, in, out))
            ipc_send(out, 0);
    }
    return 0;
}

int main(void)
{
    port_name_t port;
    int err;

    err = port_allocate(IPC_RIGHT_RECEIVE, &port);
    if (err == 0)
        err = port_insert_send(port);
    if (err == 0)
        err = naming_register(ipc_bootstrap_port, "echo", port);
    if (err != 0) {
        printf("FAIL: naming_echo: set up and register \"echo\": %s\n", err_text(err));
        return 1;
    }
    return echo_serve(port);
}
