/*
 * <errno.h> of the user runtime (docs/runtime.md): one errno for the whole
 * task (not per thread), and the numbers its functions set.
 */
#ifndef _ERRNO_H
#define _ERRNO_H

extern int errno;

#define ENOENT 2
#define EIO 5
#define EBADF 9
#define ENOMEM 12
#define EINVAL 22
#define ENOSPC 28
#define EDOM 33
#define ERANGE 34
#define ENOSYS 38

#endif
