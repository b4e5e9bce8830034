/*
 * Error texts for user programs, generated from the single error list in
 * <abi/errors.h>.
 */
#include <ipc/sys.h>

static const char *const err_texts[] = {
#define ERR_TEXT_ENTRY(name, value, text) [value] = text,
    ABI_ERRORS(ERR_TEXT_ENTRY)
#undef ERR_TEXT_ENTRY
};

/* The text of error code @code (either sign), or "unknown error". */
const char *err_text(long code)
{
    unsigned long index = code < 0 ? (unsigned long)-code : (unsigned long)code;

    if (index >= sizeof(err_texts) / sizeof(err_texts[0]) || err_texts[index] == NULL)
        return "unknown error";
    return err_texts[index];
}
