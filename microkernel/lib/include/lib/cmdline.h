/*
 * Command lines, with one set of quoting rules for all of them: the kernel
 * command line, a program's argument string (split into its argv), and the
 * shell's lines.
 *
 * Words are separated by spaces or tabs. A double-quoted part of a word
 * keeps its spaces, tabs, commas and single quotes ("run=hello:\"a b\""),
 * a single-quoted part keeps everything up to the next single quote as it
 * is, backslashes included, and elsewhere a backslash keeps the next
 * character.
 *
 * On the kernel command line each word is "key=value" or a bare flag
 * ("nopcid"). When a key appears twice, the later word wins, so arguments
 * appended to a default command line override it.
 */
#ifndef LIB_CMDLINE_H
#define LIB_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Length of the text at @p, at most @len bytes, up to the first byte of
 * @stops outside quotes, or the end.
 */
size_t cmdline_span(const char *p, size_t len, const char *stops);

/* Length of the word at @p: up to a space or tab outside quotes, or the end. */
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
#define CMDLINE_TOO_MANY (-3)   /* more words than cmdline_split may return */

/*
 * Copy the @len bytes at @in to @out (@size bytes, NUL terminated) without
 * their quotes and escaping backslashes. Returns the length written, or
 * CMDLINE_BAD_QUOTES or CMDLINE_NO_ROOM.
 */
int cmdline_unquote(const char *in, size_t len, char *out, size_t size);

/*
 * Split @s into its words, unquoted, each copied NUL terminated into @store
 * (@size bytes), with @word[i] pointing at the i-th. Returns the number of words
 * (at most @max), or CMDLINE_BAD_QUOTES, CMDLINE_NO_ROOM or CMDLINE_TOO_MANY.
 */
int cmdline_split(const char *s, char *store, size_t size, char **word, int max);

/*
 * A program's "@key=value" option among its @argc words @argv (already
 * split): the value of the last such word, "" for the bare word "@key",
 * NULL when none has that key. argv[0], the program's name, is skipped.
 */
const char *cmdline_option(int argc, char *const *argv, const char *key);

/*
 * Join @n words into @out (@size bytes) separated by spaces, putting a word
 * that is empty or holds a space, a tab, a quote or a backslash in double
 * quotes (with \\ before " and \\), so that cmdline_split gives the same
 * words back. Returns the length, or -1 when it does not fit.
 */
int cmdline_join(char *const *word, int n, char *out, size_t size);

#endif
