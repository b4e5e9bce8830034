/*
 * Splitting a command line into words (host-tested): words are separated by
 * spaces or tabs; double or single quotes keep spaces and the other quote
 * inside a word; a backslash takes the next character as it is (the rules of
 * every command line, lib/cmdline.h). Commands in
 * one string are separated by ';' outside quotes.
 */
#ifndef SHELL_WORDS_H
#define SHELL_WORDS_H

#include <stddef.h>

#define WORDS_MAX 16

struct words {
    int count;
    char *word[WORDS_MAX];
    char store[256]; /* the words, unquoted, each NUL terminated */
};

/*
 * Split @line into @w. Returns the number of words, or -1 with *@why set
 * (an unclosed quote, too many words, a line too long).
 */
int words_split(const char *line, struct words *w, const char **why);

/*
 * The length of the first command of @s: up to the first ';' outside
 * quotes, or the whole string.
 */
size_t words_command_len(const char *s);

#endif
