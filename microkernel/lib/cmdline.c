/*
 * The words of command lines (lib/cmdline.h): finding a key's last value,
 * splitting lists and words, removing quotes. Nothing here allocates or
 * changes the command line.
 */
#include <lib/cmdline.h>
#include <lib/string.h>

/*
 * The quoting state that scanning and unquoting both follow: is @c, in
 * the state *@quote (the open quote, or 0), a quote that opens or closes?
 * Such a quote is dropped from the word.
 */
static bool quote_step(char c, char *quote, enum cmdline_rules rules)
{
    if (*quote != 0 && c == *quote) {
        *quote = 0;
        return true;
    }
    if (*quote == 0 && (c == '"' || (c == '\'' && rules == CMDLINE_SHELL))) {
        *quote = c;
        return true;
    }
    return false;
}

/* Does @c, in the state @quote, keep the next byte as it is? */
static bool escapes(char c, char quote)
{
    return c == '\\' && quote != '\'';
}

size_t cmdline_span(const char *p, size_t len, const char *stops, enum cmdline_rules rules)
{
    char quote = 0;
    size_t i = 0;

    for (; i < len && p[i] != '\0' && (quote != 0 || strchr(stops, p[i]) == NULL); i++) {
        if (escapes(p[i], quote) && i + 1 < len && p[i + 1] != '\0')
            i++;
        else
            quote_step(p[i], &quote, rules);
    }
    return i;
}

size_t cmdline_word_len(const char *p)
{
    return cmdline_span(p, (size_t)-1, " ", CMDLINE_KERNEL);
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
    return cmdline_span(p, len, ",", CMDLINE_KERNEL);
}

int cmdline_unquote_as(enum cmdline_rules rules, const char *in, size_t len, char *out, size_t size)
{
    char quote = 0;
    size_t o = 0;

    for (size_t i = 0; i < len; i++) {
        if (quote_step(in[i], &quote, rules))
            continue;
        if (escapes(in[i], quote) && ++i == len)
            return CMDLINE_BAD_QUOTES;
        if (o + 1 >= size)
            return CMDLINE_NO_ROOM;
        out[o++] = in[i];
    }
    if (quote != 0)
        return CMDLINE_BAD_QUOTES;
    if (size == 0)
        return CMDLINE_NO_ROOM;
    out[o] = '\0';
    return (int)o;
}

int cmdline_unquote(const char *in, size_t len, char *out, size_t size)
{
    return cmdline_unquote_as(CMDLINE_KERNEL, in, len, out, size);
}
