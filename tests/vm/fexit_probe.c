// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Loads fexit_probe.bpf.o, attaches it, binds one TCP socket to port 0 (which
// calls inet_csk_get_port) and reports what happened, one line:
//   fexit: load ok, attach ok, fired N
//   fexit: load failed: ERRNO (STRERROR)
//   fexit: attach failed: ERRNO (STRERROR)
// Exit status: 0 when it loads and attaches, 1 when the kernel refuses it,
// 2 on bad usage. With -v, libbpf's messages (the verifier log) go to stderr;
// without it, only libbpf's warnings do.
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

static bool verbose;

static int print_libbpf(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG && !verbose)
		return 0;
	return vfprintf(stderr, fmt, args);
}

static const char *errname(int err)
{
	const char *n = strerrorname_np(err);

	return n ? n : "?";
}

/* One bind to port 0 on loopback: a call of inet_csk_get_port(). */
static void trigger(void)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return;
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)))
		fprintf(stderr, "fexit_probe: bind: %s\n", strerror(errno));
	close(fd);
}

static int read_calls(struct bpf_object *obj, unsigned long long *calls)
{
	struct bpf_map *bss = bpf_object__find_map_by_name(obj, ".bss");
	int key = 0;
	struct {
		unsigned long long calls, failures;
	} v;

	if (!bss || bpf_map_lookup_elem(bpf_map__fd(bss), &key, &v))
		return -1;
	*calls = v.calls;
	return 0;
}

int main(int argc, char **argv)
{
	const char *path = "fexit_probe.bpf.o";
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct bpf_link *link;
	unsigned long long calls = 0;
	int err, opt;

	while ((opt = getopt(argc, argv, "v")) != -1) {
		if (opt != 'v') {
			fprintf(stderr, "usage: fexit_probe [-v] [OBJECT]\n");
			return 2;
		}
		verbose = true;
	}
	if (optind < argc)
		path = argv[optind];
	libbpf_set_print(print_libbpf);

	obj = bpf_object__open_file(path, NULL);
	if (!obj) {
		err = errno;
		printf("fexit: open failed: %s (%s)\n", errname(err), strerror(err));
		return 2;
	}
	err = bpf_object__load(obj);
	if (err) {
		printf("fexit: load failed: %s (%s)\n", errname(-err), strerror(-err));
		bpf_object__close(obj);
		return 1;
	}
	prog = bpf_object__find_program_by_name(obj, "get_port_exit");
	link = bpf_program__attach(prog);
	if (!link) {
		err = errno;
		printf("fexit: load ok, attach failed: %s (%s)\n", errname(err), strerror(err));
		bpf_object__close(obj);
		return 1;
	}
	trigger();
	if (read_calls(obj, &calls))
		printf("fexit: load ok, attach ok, fired ?\n");
	else
		printf("fexit: load ok, attach ok, fired %llu\n", calls);
	bpf_link__destroy(link);
	bpf_object__close(obj);
	return 0;
}
