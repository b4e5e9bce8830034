/*
 * Reading the kernel command line: which programs to run (`run=`), which of
 * them get driver access (`drivers=`), and what the default pager is told
 * (swap=disk, swap_placement=static, pager_threads=N). Words are separated by
 * spaces; nothing here changes the command line or keeps state.
 */
#include "init.h"

#include <ipc/fmt.h>
#include <ipc/string.h>

#define INIT_DEFAULT_RUN "hello,memdemo"

/* See init.h. */
bool init_has_word(const char *args, const char *word)
{
    size_t n = strlen(word);

    for (const char *p = args; *p; p++)
        if ((p == args || p[-1] == ' ') && strncmp(p, word, n) == 0 && (p[n] == ' ' || !p[n]))
            return true;
    return false;
}

/* See init.h. */
void init_parse_run(const char *args, char *out, size_t size)
{
    const char *value = INIT_DEFAULT_RUN;
    const char *p = args;
    size_t n = 0;

    while (*p != '\0') {
        while (*p == ' ')
            p++;
        if (strncmp(p, "run=", 4) == 0) {
            value = p + 4;
            break;
        }
        while (*p != '\0' && *p != ' ')
            p++;
    }
    while (value[n] != '\0' && value[n] != ' ' && n + 1 < size) {
        out[n] = value[n];
        n++;
    }
    out[n] = '\0';
}

/*
 * See init.h. Only the programs `drivers=` names get driver access (PCI
 * configuration space, device memory).
 */
bool init_is_driver(const char *args, const char *name)
{
    const char *p = args;
    size_t n = strlen(name);

    for (; *p; p++) {
        if ((p != args && p[-1] != ' ') || strncmp(p, "drivers=", 8) != 0)
            continue;
        for (const char *e = p + 8; *e && *e != ' ';) {
            if (strncmp(e, name, n) == 0 && (e[n] == ',' || e[n] == ' ' || !e[n]))
                return true;
            while (*e && *e != ',' && *e != ' ')
                e++;
            if (*e == ',')
                e++;
        }
    }
    return false;
}

/*
 * See init.h: swap=disk becomes store=disk (store on the swap disk),
 * swap_placement=static placement=static, pager_threads=N threads=N.
 */
void init_default_pager_args(const char *args, char *out, size_t size)
{
    char *p = out;

    *p = '\0';
    if (init_has_word(args, "swap=disk"))
        p += snprintf(p, size - (size_t)(p - out), "store=disk ");
    if (init_has_word(args, "swap_placement=static"))
        p += snprintf(p, size - (size_t)(p - out), "placement=static ");
    for (const char *w = args; *w; w++) {
        if ((w == args || w[-1] == ' ') && strncmp(w, "pager_threads=", 14) == 0) {
            int n = 0;
            while (w[14 + n] != '\0' && w[14 + n] != ' ')
                n++;
            snprintf(p, size - (size_t)(p - out), "threads=%.*s", n, w + 14);
        }
    }
}
