/*
 * Command lines, and the one set of quoting rules for all of them.
 *
 * The kernel command line, as the kernel and init read it: words separated
 * by spaces, each "key=value" or a bare flag ("nopcid"). A double-quoted
 * part of a word keeps its spaces and commas ("run=hello:\"a b\""), and a
 * backslash keeps the next character. When a key appears twice, the later
 * word wins, so arguments appended to a default command line override it.
 *
 * The shell's lines (CMDLINE_SHELL) follow the same rules, plus two: a tab
 * separates words as a space does, and single quotes keep everything up to
 * the next single quote as it is, backslashes included.
 */
#ifndef LIB_CMDLINE_H
#define LIB_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>

/* Which quoting rules apply (above). */
enum cmdline_rules {
    CMDLINE_KERNEL,
    CMDLINE_SHELL,
};

/*
 * Length of the text at @p, at most @len bytes, up to the first byte of
 * @stops outside quotes, or the end.
 */
size_t cmdline_span(const char *p, size_t len, const char *stops, enum cmdline_rules rules);

/* Length of the word at @p: up to a space outside quotes, or the end. */
size_t cmdline_word_len(const char *p);

/*
 * The value of the last word "@key=value" of @cmdline (an empty value for
 * the bare word "@key"), quotes and all, with its length in *@len; NULL when
 * no word has that key.
 */
const char *cmdline_find(const char *cmdline, const char *key, size_t *len);

/*
 * Copy the value cmdline_find gives into @value (@size bytes, NUL
 * terminated). False when the key is absent or the value does not fit.
 */
bool cmdline_get(const char *cmdline, const char *key, char *value, size_t size);

/* Is the last value of @key in @cmdline exactly @value? */
bool cmdline_is(const char *cmdline, const char *key, const char *value);

/*
 * Length of the first item of the comma-separated list of @len bytes at
 * @p: up to a comma outside quotes, or the end.
 */
size_t cmdline_item_len(const char *p, size_t len);

/* Why cmdline_unquote failed. */
#define CMDLINE_BAD_QUOTES (-1) /* a quote is not closed, or a backslash ends the text */
#define CMDLINE_NO_ROOM (-2)    /* the text does not fit in the output */

/*
 * Copy the @len bytes at @in to @out (@size bytes, NUL terminated) without
 * their quotes and escaping backslashes, under the kernel's rules. Returns
 * the length written, or CMDLINE_BAD_QUOTES or CMDLINE_NO_ROOM.
 */
int cmdline_unquote(const char *in, size_t len, char *out, size_t size);

/* cmdline_unquote under @rules. */
int cmdline_unquote_as(enum cmdline_rules rules, const char *in, size_t len, char *out,
                       size_t size);

#endif
