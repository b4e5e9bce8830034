/* Command-line words (words.h). */
#include "words.h"

#include <stdbool.h>
#include <string.h>

static bool is_space(char c)
{
    return c == ' ' || c == '\t';
}

/* Copy one word starting at *@p into @out (room @room); advance *@p. -1 on a bad word. */
static int word_take(const char **p, char *out, size_t room, const char **why)
{
    const char *s = *p;
    size_t n = 0;
    char quote = 0;

    for (; *s && (quote || !is_space(*s)); s++) {
        char c = *s;
        if (quote && c == quote) {
            quote = 0;
            continue;
        }
        if (!quote && (c == '"' || c == '\'')) {
            quote = c;
            continue;
        }
        if (c == '\\' && s[1] && quote != '\'')
            c = *++s;
        if (n + 1 >= room) {
            *why = "line too long";
            return -1;
        }
        out[n++] = c;
    }
    if (quote) {
        *why = "unclosed quote";
        return -1;
    }
    out[n] = '\0';
    *p = s;
    return (int)n + 1;
}

int words_split(const char *line, struct words *w, const char **why)
{
    size_t used = 0;

    w->count = 0;
    for (const char *p = line;;) {
        while (is_space(*p))
            p++;
        if (!*p)
            return w->count;
        if (w->count == WORDS_MAX) {
            *why = "too many words";
            return -1;
        }
        char *out = w->store + used;
        int n = word_take(&p, out, sizeof(w->store) - used, why);
        if (n < 0)
            return -1;
        w->word[w->count++] = out;
        used += (size_t)n;
    }
}

size_t words_command_len(const char *s)
{
    char quote = 0;
    size_t i = 0;

    for (; s[i]; i++) {
        if (s[i] == '\\' && s[i + 1] && quote != '\'')
            i++;
        else if (quote && s[i] == quote)
            quote = 0;
        else if (!quote && (s[i] == '"' || s[i] == '\''))
            quote = s[i];
        else if (!quote && s[i] == ';')
            break;
    }
    return i;
}

/* Does @s need quotes to come back as one word? */
static bool needs_quotes(const char *s)
{
    if (!*s)
        return true;
    for (; *s; s++)
        if (is_space(*s) || *s == '"' || *s == '\'' || *s == '\\')
            return true;
    return false;
}

int words_join(char *const *word, int n, char *out, size_t size)
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
