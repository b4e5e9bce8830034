/*
 * The kernel command line, as the kernel and init read it: words separated
 * by spaces, each "key=value" or a bare flag ("nopcid"). A double-quoted
 * part of a word keeps its spaces and commas ("run=hello:\"a b\""), and a
 * backslash keeps the next character. When a key appears twice, the later
 * word wins, so arguments appended to a default command line override it.
 */
#ifndef LIB_CMDLINE_H
#define LIB_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>

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

/*
 * Copy the @len bytes at @in to @out (@size bytes, NUL terminated) without
 * their quotes and escaping backslashes. Returns the length written, or -1
 * when a quote is not closed, a backslash ends the text, or @out is too small.
 */
int cmdline_unquote(const char *in, size_t len, char *out, size_t size);

#endif
