/*
 * The words of command lines (lib/cmdline.h): finding a key's last value,
 * splitting lists and words, removing quotes. Nothing here allocates or
 * changes the command line.
 */
#include <lib/cmdline.h>
#include <lib/string.h>

#define CMDLINE_SPACES " \t"

/*
 * The quoting state that scanning and unquoting both follow: is @c, in
 * the state *@quote (the open quote, or 0), a quote that opens or closes?
 * Such a quote is dropped from the word.
 */
static bool quote_step(char c, char *quote)
{
    if (*quote != 0 && c == *quote) {
        *quote = 0;
        return true;
    }
    if (*quote == 0 && (c == '"' || c == '\'')) {
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

size_t cmdline_span(const char *p, size_t len, const char *stops)
{
    char quote = 0;
    size_t i = 0;

    for (; i < len && p[i] != '\0' && (quote != 0 || strchr(stops, p[i]) == NULL); i++) {
        if (escapes(p[i], quote) && i + 1 < len && p[i + 1] != '\0')
            i++;
        else
            quote_step(p[i], &quote);
    }
    return i;
}

size_t cmdline_word_len(const char *p)
{
    return cmdline_span(p, (size_t)-1, CMDLINE_SPACES);
}

const char *cmdline_find(const char *cmdline, const char *key, size_t *len)
{
    size_t klen = strlen(key);
    const char *found = NULL;

    for (const char *p = cmdline; *p != '\0';) {
        if (*p == ' ' || *p == '\t') {
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
    return cmdline_span(p, len, ",");
}

int cmdline_unquote(const char *in, size_t len, char *out, size_t size)
{
    char quote = 0;
    size_t o = 0;

    for (size_t i = 0; i < len; i++) {
        if (quote_step(in[i], &quote))
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

int cmdline_split(const char *s, char *store, size_t size, char **word, int max)
{
    size_t used = 0;
    int count = 0;

    for (;;) {
        while (*s != '\0' && strchr(CMDLINE_SPACES, *s) != NULL)
            s++;
        if (*s == '\0')
            return count;
        if (count == max)
            return CMDLINE_TOO_MANY;
        size_t len = cmdline_span(s, (size_t)-1, CMDLINE_SPACES);
        int n = cmdline_unquote(s, len, store + used, size - used);
        if (n < 0)
            return n;
        word[count++] = store + used;
        used += (size_t)n + 1;
        s += len;
    }
}

const char *cmdline_option(int argc, char *const *argv, const char *key)
{
    size_t klen = strlen(key);
    const char *found = NULL;

    for (int i = 1; i < argc; i++) {
        if (strncmp(argv[i], key, klen) == 0 && (argv[i][klen] == '\0' || argv[i][klen] == '='))
            found = argv[i][klen] == '\0' ? argv[i] + klen : argv[i] + klen + 1;
    }
    return found;
}

/* Does @s need quotes to come back as one word? */
static bool needs_quotes(const char *s)
{
    if (!*s)
        return true;
    for (; *s; s++)
        if (*s == ' ' || *s == '\t' || *s == '"' || *s == '\'' || *s == '\\')
            return true;
    return false;
}

int cmdline_join(char *const *word, int n, char *out, size_t size)
{
    size_t len = 0;

    for (int i = 0; i < n; i++) {
        bool quote = needs_quotes(word[i]);
        size_t need = (i > 0) + 2 * quote + 2 * strlen(word[i]); /* at most every byte escaped */
        if (len + need >= size)
            return -1;
        if (i > 0)
            out[len++] = ' ';
        if (quote)
            out[len++] = '"';
        for (const char *s = word[i]; *s; s++) {
            if (quote && (*s == '"' || *s == '\\'))
                out[len++] = '\\';
            out[len++] = *s;
        }
        if (quote)
            out[len++] = '"';
    }
    out[len] = '\0';
    return (int)len;
}
