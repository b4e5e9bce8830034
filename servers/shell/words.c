/* Command-line words (words.h). */
#include "words.h"

#include <lib/cmdline.h>
#include <stdbool.h>
#include <string.h>

int words_split(const char *line, struct words *w, const char **why)
{
    int n = cmdline_split(line, w->store, sizeof(w->store), w->word, WORDS_MAX);

    if (n == CMDLINE_TOO_MANY)
        *why = "too many words";
    else if (n == CMDLINE_NO_ROOM)
        *why = "line too long";
    else if (n < 0)
        *why = "unclosed quote or a backslash at the end";
    w->count = n < 0 ? 0 : n;
    return n < 0 ? -1 : n;
}

size_t words_command_len(const char *s)
{
    return cmdline_span(s, (size_t)-1, ";");
}
