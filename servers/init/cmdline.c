/*
 * Reading the kernel command line (lib/cmdline.h: a later word overrides an
 * earlier one, double quotes keep spaces): which programs to run (`run=`),
 * which of them get driver access (`drivers=`) or the host-privilege port
 * (`host_priv=`), which program is the system's pager (`pager=`) and what it
 * is told (swap=disk, swap_placement=static, pager_threads=N). A command
 * line init cannot read in full is an error, never a silent skip.
 */
#include "init.h"

#include <ipc/fmt.h>
#include <ipc/string.h>
#include <lib/cmdline.h>

#define INIT_DEFAULT_RUN "hello,memdemo"
#define INIT_DEFAULT_PAGER "default_pager"

/* Bare words (no "=value") the kernel knows; any other is a mistake. */
static const char *const init_flags[] = {"nopcid"};

/* Is the word of @len bytes at @w a known bare flag? */
static bool init_is_flag(const char *w, size_t len)
{
    for (size_t i = 0; i < sizeof(init_flags) / sizeof(init_flags[0]); i++)
        if (strlen(init_flags[i]) == len && strncmp(w, init_flags[i], len) == 0)
            return true;
    return false;
}

/* Does the word of @len bytes at @w hold an '='? */
static bool init_has_value(const char *w, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (w[i] == '=')
            return true;
    return false;
}

/* See init.h. */
int init_cmdline_check(const char *args)
{
    for (const char *p = args; *p != '\0';) {
        size_t n = cmdline_word_len(p);
        if (*p == ' ') {
            p++;
            continue;
        }
        if (!init_has_value(p, n) && !init_is_flag(p, n)) {
            printf("init: error: stray word \"%.*s\" on the command line (an argument with "
                   "spaces needs quotes: run=prog:\"a b\")\n",
                   (int)n, p);
            return -1;
        }
        p += n;
    }
    return 0;
}

/*
 * Copy the value of the last "@key=" word of @args, or @fallback when there
 * is none, into @out (@size bytes). Returns its length, or -1 when it does
 * not fit (nothing copied).
 */
static long init_value(const char *args, const char *key, const char *fallback, char *out,
                       size_t size)
{
    size_t n;
    const char *value = cmdline_find(args, key, &n);

    if (value == NULL) {
        value = fallback;
        n = strlen(value);
    }
    if (n >= size)
        return -1;
    memcpy(out, value, n);
    out[n] = '\0';
    return (long)n;
}

/* See init.h. */
int init_parse_run(const char *args, char *out, size_t size)
{
    if (init_value(args, "run", INIT_DEFAULT_RUN, out, size) < 0) {
        printf("init: error: run= is longer than %zu bytes\n", size - 1);
        return -1;
    }
    return 0;
}

/* Is @name in the comma-separated list of the last `@key=` word of @args? */
static bool init_list_has(const char *args, const char *key, const char *name)
{
    size_t len, n = strlen(name);
    const char *list = cmdline_find(args, key, &len);

    while (list != NULL && len > 0) {
        size_t item = cmdline_item_len(list, len);
        if (item == n && strncmp(list, name, n) == 0)
            return true;
        list += item < len ? item + 1 : item;
        len -= item < len ? item + 1 : item;
    }
    return false;
}

/* See init.h. */
int init_pager_name(const char *args, char *out, size_t size)
{
    if (init_value(args, "pager", INIT_DEFAULT_PAGER, out, size) <= 0) {
        printf("init: error: pager= needs the name of a program of at most %zu bytes\n", size - 1);
        return -1;
    }
    return 0;
}

/*
 * See init.h. Only the programs `drivers=` names get driver access (PCI
 * configuration space, device memory).
 */
bool init_is_driver(const char *args, const char *name)
{
    return init_list_has(args, "drivers", name);
}

/*
 * See init.h. Only the programs `host_priv=` names get a send right to the
 * host-privilege port (the default pager, driver access, reserve shares).
 */
bool init_is_host_priv(const char *args, const char *name)
{
    return init_list_has(args, "host_priv", name);
}

/*
 * See init.h: "system" first (the program is to serve as the system's
 * pager), then swap=disk becomes store=disk (store on the swap disk),
 * swap_placement=static placement=static, pager_threads=N threads=N,
 * pager_pool=N pool=N (pages of the compressed pager's pool), pager_quota=N
 * quota=N (frames of the policy pager's quota), pager_cpu=N cpu=N (the
 * CPU its threads keep to).
 */
void init_default_pager_args(const char *args, char *out, size_t size)
{
    size_t used = 0, n;
    const char *threads, *quota, *pool = cmdline_find(args, "pager_pool", &n);

    used += (size_t)snprintf(out, size, "system ");
    if (pool != NULL) /* the compressed pager's pool */
        used += (size_t)snprintf(out + used, size - used, "pool=%.*s ", (int)n, pool);
    quota = cmdline_find(args, "pager_quota", &n);
    if (quota != NULL) /* the policy pager's frame quota */
        used += (size_t)snprintf(out + used, size - used, "quota=%.*s ", (int)n, quota);
    const char *cpu = cmdline_find(args, "pager_cpu", &n);
    if (cpu != NULL) /* the CPU the pager's threads keep to */
        used += (size_t)snprintf(out + used, size - used, "cpu=%.*s ", (int)n, cpu);
    threads = cmdline_find(args, "pager_threads", &n);
    if (cmdline_is(args, "swap", "disk"))
        used += (size_t)snprintf(out + used, size - used, "store=disk ");
    if (cmdline_is(args, "swap_placement", "static"))
        used += (size_t)snprintf(out + used, size - used, "placement=static ");
    if (threads != NULL)
        snprintf(out + used, size - used, "threads=%.*s", (int)n, threads);
}
