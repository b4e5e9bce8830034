/*
 * The shell's line editor, a pure state machine (host-tested): bytes typed
 * on the console go in one at a time, and what the terminal should show and
 * the finished line come out. Backspace and DEL erase, Ctrl-U kills the
 * line, Ctrl-C abandons it, the up and down arrows walk the history. Other
 * control characters are refused with a bell; a line longer than
 * LINE_MAX - 1 bytes is refused as a whole when it ends.
 */
#ifndef SHELL_LINE_H
#define SHELL_LINE_H

#include <stdbool.h>
#include <stddef.h>

#define LINE_MAX 256
#define LINE_HISTORY 16

enum line_event {
    LINE_NONE,     /* keep typing */
    LINE_DONE,     /* a line ended: line_text() */
    LINE_TOO_LONG, /* a line ended that did not fit: dropped */
    LINE_CANCEL,   /* Ctrl-C: the line was abandoned */
};

struct line {
    char buf[LINE_MAX];
    size_t len;
    bool overflow; /* bytes were lost since the line began */
    int esc;       /* 0, or how far into an escape sequence (1: ESC, 2: ESC [) */
    char history[LINE_HISTORY][LINE_MAX];
    unsigned hist_count; /* lines kept (at most LINE_HISTORY) */
    unsigned hist_next;  /* where the next one goes */
    unsigned hist_at;    /* 0: the new line; k: the k-th most recent */
    /* What the terminal should show, appended by line_feed; the caller prints and clears it. */
    char echo[4 * LINE_MAX];
    size_t echo_len;
};

void line_init(struct line *l);
/* Feed one typed byte. */
enum line_event line_feed(struct line *l, unsigned char c);
/* After LINE_DONE: the line, NUL terminated (valid until the next line_feed). */
const char *line_text(struct line *l);

#endif
