/*
 * Parser of the loader's \boot.cfg: one key=value setting per line (kernel=,
 * cmdline=, module=), '#' comment lines and blank lines. Pure code with no
 * firmware calls, so it can be tested on the host.
 */
#include "loader.h"

static int config_is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

static int config_key_is(const char *key, size_t n, const char *want)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (want[i] != key[i])
            return 0;
    }
    return want[n] == '\0';
}

const char *config_base_name(const char *path)
{
    const char *base = path;

    for (; *path; path++) {
        if (*path == '\\')
            base = path + 1;
    }
    return base;
}

/* Store an ESP-relative path: strip leading separators, turn '/' into '\'. */
static const char *config_path(const char *s, size_t n, char *out)
{
    size_t i;

    while (n > 0 && (*s == '/' || *s == '\\')) {
        s++;
        n--;
    }
    if (n == 0)
        return "empty path";
    if (n >= LOADER_PATH_MAX)
        return "path too long";
    for (i = 0; i < n; i++) {
        if (s[i] < 0x20 || s[i] > 0x7e)
            return "path has a non-ASCII or control character";
        out[i] = s[i] == '/' ? '\\' : s[i];
    }
    out[n] = '\0';
    if (out[n - 1] == '\\')
        return "path names a directory";
    return NULL;
}

static const char *config_module(const char *s, size_t n, struct loader_config *cfg)
{
    const char *err;
    char *path;
    size_t len;

    if (cfg->module_count >= BOOT_MAX_MODULES)
        return "too many module= lines";
    path = cfg->modules[cfg->module_count];
    err = config_path(s, n, path);
    if (err)
        return err;
    for (len = 0; config_base_name(path)[len]; len++)
        ;
    if (len >= BOOT_MODULE_NAME_MAX)
        return "module file name too long";
    cfg->module_count++;
    return NULL;
}

static const char *config_cmdline(const char *s, size_t n, struct loader_config *cfg)
{
    size_t i;

    if (cfg->have_cmdline)
        return "duplicate cmdline= line";
    if (n >= BOOT_CMDLINE_MAX)
        return "cmdline too long";
    for (i = 0; i < n; i++) {
        if ((s[i] < 0x20 && s[i] != '\t') || s[i] > 0x7e)
            return "cmdline has a non-ASCII or control character";
        cfg->cmdline[i] = s[i];
    }
    cfg->cmdline[n] = '\0';
    cfg->have_cmdline = 1;
    return NULL;
}

/* Parse one line (without its '\n'). */
static const char *config_line(const char *s, size_t n, struct loader_config *cfg)
{
    size_t eq, klen;
    const char *val;
    size_t vlen;

    while (n > 0 && config_is_space(*s)) {
        s++;
        n--;
    }
    while (n > 0 && config_is_space(s[n - 1]))
        n--;
    if (n == 0 || s[0] == '#')
        return NULL;
    for (eq = 0; eq < n && s[eq] != '='; eq++)
        ;
    if (eq == n)
        return "expected key=value";
    for (klen = eq; klen > 0 && config_is_space(s[klen - 1]); klen--)
        ;
    val = s + eq + 1;
    vlen = n - eq - 1;
    while (vlen > 0 && config_is_space(*val)) {
        val++;
        vlen--;
    }
    if (config_key_is(s, klen, "kernel"))
        return cfg->kernel[0] ? "duplicate kernel= line" : config_path(val, vlen, cfg->kernel);
    if (config_key_is(s, klen, "cmdline"))
        return config_cmdline(val, vlen, cfg);
    if (config_key_is(s, klen, "module"))
        return config_module(val, vlen, cfg);
    return "unknown key (expected kernel, cmdline or module)";
}

const char *config_parse(const char *text, size_t len, struct loader_config *cfg, unsigned *line)
{
    size_t start = 0, end;
    const char *err;

    __builtin_memset(cfg, 0, sizeof(*cfg));
    *line = 0;
    while (start < len) {
        (*line)++;
        for (end = start; end < len && text[end] != '\n'; end++) {
            if (text[end] == '\0')
                return "NUL byte in file";
        }
        err = config_line(text + start, end - start, cfg);
        if (err)
            return err;
        start = end + 1;
    }
    *line = 0;
    if (!cfg->kernel[0])
        return "no kernel= line";
    return NULL;
}
