/*
 * The line editor (line.h). Echo goes through a buffer the caller prints, so
 * the editor runs unchanged on the host under cmocka.
 */
#include "line.h"

#include <string.h>

#define CTRL(c) ((c)&0x1f)
#define DEL 0x7f
#define ESC 0x1b

static void echo(struct line *l, const char *s, size_t n)
{
    if (n > sizeof(l->echo) - l->echo_len)
        n = sizeof(l->echo) - l->echo_len;
    memcpy(l->echo + l->echo_len, s, n);
    l->echo_len += n;
}

static void echo_str(struct line *l, const char *s)
{
    echo(l, s, strlen(s));
}

void line_init(struct line *l)
{
    memset(l, 0, sizeof(*l));
}

/* Erase what the terminal shows of the line. */
static void erase_shown(struct line *l)
{
    for (size_t i = 0; i < l->len; i++)
        echo_str(l, "\b \b");
}

/* Show @text as the line being edited (history recall). */
static void replace_line(struct line *l, const char *text)
{
    erase_shown(l);
    l->len = strlen(text);
    memcpy(l->buf, text, l->len);
    echo(l, l->buf, l->len);
}

static const char *history_get(const struct line *l, unsigned k)
{
    return l->history[(l->hist_next + LINE_HISTORY - k) % LINE_HISTORY];
}

static void history_walk(struct line *l, bool up)
{
    if (up && l->hist_at < l->hist_count)
        l->hist_at++;
    else if (!up && l->hist_at > 0)
        l->hist_at--;
    else {
        echo_str(l, "\a");
        return;
    }
    replace_line(l, l->hist_at ? history_get(l, l->hist_at) : "");
}

static void history_add(struct line *l)
{
    if (l->len == 0 || (l->hist_count && strcmp(history_get(l, 1), l->buf) == 0))
        return; /* no empty lines, no repeats */
    memcpy(l->history[l->hist_next], l->buf, l->len + 1);
    l->hist_next = (l->hist_next + 1) % LINE_HISTORY;
    if (l->hist_count < LINE_HISTORY)
        l->hist_count++;
}

/* Finish the line: DONE, or TOO_LONG when bytes were lost. */
static enum line_event line_end(struct line *l)
{
    enum line_event ev = l->overflow ? LINE_TOO_LONG : LINE_DONE;

    echo_str(l, "\r\n");
    l->buf[l->len] = '\0';
    if (ev == LINE_DONE)
        history_add(l);
    else
        l->buf[0] = '\0';
    l->len = 0;
    l->overflow = false;
    l->hist_at = 0;
    return ev;
}

/* ESC [ A (up) and ESC [ B (down); other sequences are swallowed. */
static enum line_event line_escape(struct line *l, unsigned char c)
{
    if (l->esc == 1) {
        l->esc = c == '[' ? 2 : 0;
        return LINE_NONE;
    }
    if (c >= 0x40 && c <= 0x7e) { /* the final byte */
        l->esc = 0;
        if (c == 'A' || c == 'B')
            history_walk(l, c == 'A');
    }
    return LINE_NONE;
}

enum line_event line_feed(struct line *l, unsigned char c)
{
    if (l->esc)
        return line_escape(l, c);
    if (c == '\r' || c == '\n')
        return line_end(l);
    if (c == '\b' || c == DEL) {
        if (l->len > 0) {
            l->len--;
            echo_str(l, "\b \b");
        }
        return LINE_NONE;
    }
    if (c == CTRL('U')) {
        erase_shown(l);
        l->len = 0;
        return LINE_NONE;
    }
    if (c == CTRL('C')) {
        echo_str(l, "^C\r\n");
        l->len = 0;
        l->overflow = false;
        l->hist_at = 0;
        return LINE_CANCEL;
    }
    if (c == ESC) {
        l->esc = 1;
        return LINE_NONE;
    }
    if (c < 0x20 || c > 0x7e) { /* other control characters, and no 8-bit input */
        echo_str(l, "\a");
        return LINE_NONE;
    }
    if (l->len >= LINE_MAX - 1) {
        l->overflow = true; /* keep what fits on screen, refuse the line at its end */
        return LINE_NONE;
    }
    l->buf[l->len++] = (char)c;
    echo(l, (const char *)&c, 1);
    return LINE_NONE;
}

const char *line_text(struct line *l)
{
    return l->buf;
}
