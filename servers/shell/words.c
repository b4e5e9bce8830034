/* Command-line words (words.h). */
#include "words.h"

#include <lib/cmdline.h>
#include <stdbool.h>
#include <string.h>

#define SPACES " \t"

static bool is_space(char c)
{
    return c == ' ' || c == '\t';
}

/* Copy one word starting at *@p into @out (room @room); advance *@p. -1 on a bad word. */
static int word_take(const char **p, char *out, size_t room, const char **why)
{
    size_t len = cmdline_span(*p, (size_t)-1, SPACES, CMDLINE_SHELL);
    int n = cmdline_unquote_as(CMDLINE_SHELL, *p, len, out, room);

    if (n == CMDLINE_NO_ROOM)
        *why = "line too long";
    else if (n < 0)
        *why = "unclosed quote or a backslash at the end";
    else
        *p += len;
    return n < 0 ? -1 : n + 1;
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
    return cmdline_span(s, (size_t)-1, ";", CMDLINE_SHELL);
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
