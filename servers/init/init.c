/*
 * init, the first task: main and the boot sequence. It starts the name
 * service (naming_service.c), its exception handler (exceptions.c) and the
 * default pager (start.c), runs the programs `run=a,b,c` names on the kernel
 * command line (run.c; default hello,memdemo) and powers the machine off
 * with the overall status.
 */
#include "init.h"
#include "exceptions.h"
#include "naming_service.h"

#include <ipc/fmt.h>
#include <ipc/prefault.h>
#include <ipc/sys.h>

#define INIT_LIST_MAX 256

/* init's entry: @args is the kernel command line. Never returns normally. */
int main(const char *args)
{
    static char list[INIT_LIST_MAX];
    int status, service, bad_args;

    bad_args = init_cmdline_check(args) | init_parse_run(args, list, sizeof(list));
    /* Our own demand paging must not disturb the frame counts. */
    prefault_image();
    prefault_stack(16 * 1024);
    service = naming_service_start();
    service |= exceptions_start() != 0;
    service |= init_start_default_pager(args);
    printf("init: command line \"%s\", running %s, frames free %lu\n", args, list,
           (unsigned long)init_frames_free());
    status = bad_args ? 2 : init_run_list(args, list) | (service != 0);
    if (!bad_args)
        status |= init_run_shell(args);
    printf("init: all done, status %d\n", status);
    sys_shutdown(status);
    return status;
}
