/*
 * Command-line parsing: the words of the kernel's command line and the
 * numbers in them.
 */
#include <lib/lib.h>

bool cmdline_get(const char *cmdline, const char *key, char *value, size_t size)
{
    size_t klen = strlen(key);
    const char *p = cmdline;

    while (*p) {
        while (*p == ' ')
            p++;
        const char *word = p;
        while (*p && *p != ' ')
            p++;
        if ((size_t)(p - word) >= klen && strncmp(word, key, klen) == 0 &&
            (word[klen] == '=' || word + klen == p)) {
            const char *v = word[klen] == '=' ? word + klen + 1 : p;
            size_t n = MIN((size_t)(p - v), size - 1);
            memcpy(value, v, n);
            value[n] = '\0';
            return true;
        }
    }
    return false;
}

bool parse_u64(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    unsigned base = 10;

    if (s[0] == '0' && s[1] == 'x')
        base = 16, s += 2;
    if (!*s)
        return false;
    for (; *s; s++) {
        unsigned d;
        if (*s >= '0' && *s <= '9')
            d = *s - '0';
        else if (base == 16 && *s >= 'a' && *s <= 'f')
            d = *s - 'a' + 10;
        else
            break;
        v = v * base + d;
    }
    unsigned shift = *s == 'K' ? 10 : *s == 'M' ? 20 : *s == 'G' ? 30 : 0;
    if (shift)
        s++;
    if (*s)
        return false;
    *out = v << shift;
    return true;
}
