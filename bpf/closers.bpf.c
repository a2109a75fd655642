// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// The one definition of the closers map (closers.bpf.h says why and how it
// is shared). Not a unit of its own: linked into trace and sockets.
#include "vmlinux.h"
#include "closers.bpf.h"

closers_map_t closers SEC(".maps");
