/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The portwarden authors */
/*
 * Opening a file root was told to read or append to, without being led
 * astray: a FIFO or a device named as --config or --log must not hang the
 * daemon (open and read never block here) nor swallow its records.
 */
#ifndef PW_REGULAR_FILE_H
#define PW_REGULAR_FILE_H

#include <sys/types.h>

/*
 * open(@path, @flags | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, @mode), then keep
 * the descriptor only when fstat says it is a regular file. O_NONBLOCK is
 * what keeps a FIFO from hanging the open (it changes nothing for a regular
 * file). Add O_NOFOLLOW to @flags to refuse a symbolic link. Returns the
 * descriptor, or -errno: -ENOTREG_FILE when it is not a regular file,
 * -ELOOP for a refused link.
 */
int regular_file_open(const char *path, int flags, mode_t mode);

/* What regular_file_open's -errno means, for messages. */
const char *regular_file_strerror(int err);

/* Linux has no "not a regular file" errno; EFTYPE is BSD's. This one is
 * not one open(2) returns with our flags, so it cannot be mistaken. */
#define ENOTREG_FILE EMEDIUMTYPE

#endif /* PW_REGULAR_FILE_H */
