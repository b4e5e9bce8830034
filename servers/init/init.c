/*
 * init, the first task: main and the boot sequence. It starts the name
 * service (naming_service.c), its exception handler (exceptions.c) and the
 * system's pager (start.c, `pager=NAME`), runs the programs `run=a,b,c` names on the kernel
 * command line (run.c; default hello,memdemo) and powers the machine off
 * with the overall status.
 */
#include "init.h"
#include "exceptions.h"
#include "naming_service.h"

#include <ipc/fmt.h>
#include <ipc/ipc.h>
#include <ipc/prefault.h>
#include <ipc/sys.h>

#define INIT_LIST_MAX 256
#define INIT_PAGER_NAME_MAX 48 /* a program name, as the name service keeps it */

/*
 * init's argument string is the kernel command line, read whole (ipc_args):
 * its values keep their quotes, and a malformed one is init's to report.
 */
const bool ipc_args_whole = true;

/* init's entry. Never returns normally. */
int main(void)
{
    const char *args = ipc_args;
    static char list[INIT_LIST_MAX];
    char pager[INIT_PAGER_NAME_MAX];
    int status, service, bad_args, started;

    bad_args = init_cmdline_check(args) | init_parse_run(args, list, sizeof(list)) |
               init_pager_name(args, pager, sizeof(pager));
    /* Our own demand paging must not disturb the frame counts. */
    prefault_image();
    prefault_stack(16 * 1024);
    service = naming_service_start();
    service |= exceptions_start() != 0;
    started = bad_args ? 0 : init_start_pager(args, pager);
    service |= started == 1;
    bad_args |= started == 2;
    printf("init: command line \"%s\", running %s, frames free %lu\n", args, list,
           (unsigned long)init_frames_free());
    status = bad_args ? 2 : init_run_list(args, list) | (service != 0);
    if (!bad_args)
        status |= init_run_shell(args);
    printf("init: all done, status %d\n", status);
    sys_shutdown(ipc_host_port, status);
    return status;
}
