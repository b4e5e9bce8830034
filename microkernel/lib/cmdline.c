/*
 * The words of the kernel command line (lib/cmdline.h): finding a key's
 * last value, splitting lists, removing quotes. Nothing here allocates or
 * changes the command line.
 */
#include <lib/cmdline.h>
#include <lib/string.h>

/* Length of the text at @p, at most @len bytes, up to the first @stop outside quotes. */
static size_t span_until(const char *p, size_t len, char stop)
{
    bool quoted = false;
    size_t i = 0;

    for (; i < len && p[i] != '\0' && (quoted || p[i] != stop); i++) {
        if (p[i] == '\\' && i + 1 < len && p[i + 1] != '\0')
            i++;
        else if (p[i] == '"')
            quoted = !quoted;
    }
    return i;
}

size_t cmdline_word_len(const char *p)
{
    return span_until(p, (size_t)-1, ' ');
}

const char *cmdline_find(const char *cmdline, const char *key, size_t *len)
{
    size_t klen = strlen(key);
    const char *found = NULL;

    for (const char *p = cmdline; *p != '\0';) {
        if (*p == ' ') {
            p++;
            continue;
        }
        size_t n = cmdline_word_len(p);
        if (n >= klen && strncmp(p, key, klen) == 0 && (n == klen || p[klen] == '=')) {
            found = n == klen ? p + n : p + klen + 1;
            *len = n == klen ? 0 : n - klen - 1;
        }
        p += n;
    }
    return found;
}

bool cmdline_get(const char *cmdline, const char *key, char *value, size_t size)
{
    size_t n;
    const char *v = cmdline_find(cmdline, key, &n);

    if (!v || n >= size)
        return false;
    memcpy(value, v, n);
    value[n] = '\0';
    return true;
}

bool cmdline_is(const char *cmdline, const char *key, const char *value)
{
    size_t n;
    const char *v = cmdline_find(cmdline, key, &n);

    return v && n == strlen(value) && strncmp(v, value, n) == 0;
}

size_t cmdline_item_len(const char *p, size_t len)
{
    return span_until(p, len, ',');
}

int cmdline_unquote(const char *in, size_t len, char *out, size_t size)
{
    bool quoted = false;
    size_t o = 0;

    for (size_t i = 0; i < len; i++) {
        if (in[i] == '"') {
            quoted = !quoted;
            continue;
        }
        if (in[i] == '\\' && ++i == len)
            return -1;
        if (o + 1 >= size)
            return -1;
        out[o++] = in[i];
    }
    if (quoted || size == 0)
        return -1;
    out[o] = '\0';
    return (int)o;
}
