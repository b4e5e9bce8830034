/*
 * Error codes shared by the kernel and user programs, defined once. System
 * calls return a negative code on failure; err_name() style tables are built
 * from the same list with the X macro.
 */
#ifndef ABI_ERRORS_H
#define ABI_ERRORS_H

/* X(name, value, text) */
#define ABI_ERRORS(X)                                                                              \
    X(ERR_OK, 0, "success")                                                                        \
    X(ERR_INVAL, 1, "invalid argument")                                                            \
    X(ERR_NOMEM, 2, "out of memory")                                                               \
    X(ERR_FAULT, 3, "bad user address")                                                            \
    X(ERR_NOSYS, 4, "no such system call")                                                         \
    X(ERR_NOENT, 5, "no such object")                                                              \
    X(ERR_PERM, 6, "not permitted")                                                                \
    X(ERR_BUSY, 7, "resource busy")                                                                \
    X(ERR_NOSPACE, 8, "no free address range")                                                     \
    X(ERR_CHILD, 9, "not a child of the caller")                                                   \
    X(ERR_BADEXEC, 10, "bad executable")                                                           \
    X(ERR_LIMIT, 11, "limit reached")                                                              \
    X(ERR_TIMEOUT, 12, "timed out")                                                                \
    X(ERR_NAME, 13, "invalid or stale port name")                                                  \
    X(ERR_RIGHT, 14, "right not held or of the wrong type")                                        \
    X(ERR_DEAD, 15, "port is dead")                                                                \
    X(ERR_TOO_LARGE, 16, "message too large")                                                      \
    X(ERR_TRUNCATED, 17, "receive buffer too small for the message")                               \
    X(ERR_NOT_OWNER, 18, "pages not owned by the sender")                                          \
    X(ERR_FULL, 19, "queue full")                                                                  \
    X(ERR_IO, 20, "input/output error")                                                            \
    X(ERR_CORRUPT, 21, "kernel invariant broken")

enum abi_error {
#define ABI_ERROR_ENUM(name, value, text) name = value,
    ABI_ERRORS(ABI_ERROR_ENUM)
#undef ABI_ERROR_ENUM
};

#endif
