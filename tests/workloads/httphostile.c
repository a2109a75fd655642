// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Hostile HTTP clients for the metrics test (tests/e2e/test-metrics.sh):
// many idle connections, a slowloris trickling its headers a byte at a time,
// and requests with a huge header, all against one TCP address on loopback,
// for a given time. Connections the server closes are opened again (each
// slot at most once a second), so the pressure lasts.
//
// usage: httphostile IP PORT SECONDS [IDLE [HEADER_BYTES]]
// The idle connections come from 127.0.0.1, the slowloris from 127.0.0.3 and
// the huge headers from 127.0.0.4 (all on lo), so that the server's
// per-address limit does not turn the last two away before its timeout and
// its header limit are tried.
// Prints one JSON line at the end: what it opened and what the server did.
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SLOW_HEAD "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: "

struct slot {
	int fd;
	double opened;
	size_t sent; /* slowloris: bytes of its endless header sent */
};

static struct sockaddr_in dst;
static long opened, refused, closed_by_server, slow_closed, big_sent, big_answered;
static char big_status[64] = "none";

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int dial(const char *source)
{
	struct sockaddr_in src = {.sin_family = AF_INET};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	struct pollfd p = {.fd = fd, .events = POLLOUT};
	int err = 0;
	socklen_t len = sizeof(err);

	inet_pton(AF_INET, source, &src.sin_addr);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	/* at most 0.5 s: a server whose backlog is full leaves a connect hanging */
	if (bind(fd, (struct sockaddr *)&src, sizeof(src)) ||
	    (connect(fd, (struct sockaddr *)&dst, sizeof(dst)) && errno != EINPROGRESS) ||
	    poll(&p, 1, 500) != 1 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) || err) {
		refused++;
		close(fd);
		return -1;
	}
	opened++;
	return fd;
}

/* Has the server closed @fd (EOF or reset)? Drains what it sent. */
static int gone(int fd)
{
	char buf[4096];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		;
	return n == 0 || (n < 0 && errno != EAGAIN);
}

/* One request with a @bytes header: sent as far as the server takes it,
 * then its answer's status line, if any, within 2 s. */
static void big_request(size_t bytes)
{
	static const char head[] = "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: ";
	char *req = malloc(sizeof(head) + bytes + 4), buf[256];
	size_t len = 0, off = 0;
	double deadline = now_s() + 2;
	int fd = dial("127.0.0.4");
	ssize_t n;

	if (!req || fd < 0) {
		free(req);
		if (fd >= 0)
			close(fd);
		return;
	}
	memcpy(req, head, sizeof(head) - 1);
	len = sizeof(head) - 1;
	memset(req + len, 'a', bytes);
	len += bytes;
	memcpy(req + len, "\r\n\r\n", 4);
	len += 4;
	big_sent++;
	while (off < len && now_s() < deadline) {
		n = send(fd, req + off, len - off, MSG_NOSIGNAL);
		if (n > 0)
			off += n;
		else if (n < 0 && errno != EAGAIN)
			break;
		else
			usleep(1000);
	}
	while (now_s() < deadline) {
		n = read(fd, buf, sizeof(buf) - 1);
		if (n > 0) {
			buf[n] = 0;
			big_answered++;
			snprintf(big_status, sizeof(big_status), "%.*s", (int)strcspn(buf, "\r\n"), buf);
			break;
		}
		if (n == 0 || (n < 0 && errno != EAGAIN)) {
			snprintf(big_status, sizeof(big_status), "closed");
			break;
		}
		usleep(5000);
	}
	close(fd);
	free(req);
}

int main(int argc, char **argv)
{
	struct rlimit rl = {4096, 4096};
	struct slot *idle, slow = {.fd = -1};
	double end, next_big = 0;
	long nidle;
	size_t header;

	if (argc < 4) {
		fprintf(stderr, "usage: httphostile IP PORT SECONDS [IDLE [HEADER_BYTES]]\n");
		return 2;
	}
	nidle = argc > 4 ? atol(argv[4]) : 500;
	header = argc > 5 ? strtoul(argv[5], NULL, 10) : 1 << 20;
	setrlimit(RLIMIT_NOFILE, &rl);
	signal(SIGPIPE, SIG_IGN);
	dst.sin_family = AF_INET;
	dst.sin_port = htons((uint16_t)atoi(argv[2]));
	if (inet_pton(AF_INET, argv[1], &dst.sin_addr) != 1 || nidle < 0 || nidle > 2000)
		return 2;
	idle = calloc(nidle + 1, sizeof(*idle));
	for (long i = 0; i < nidle; i++)
		idle[i].fd = -1;
	end = now_s() + atof(argv[3]);
	while (now_s() < end) {
		double t = now_s();

		for (long i = 0; i < nidle; i++) {
			if (idle[i].fd >= 0 && gone(idle[i].fd)) {
				close(idle[i].fd);
				idle[i].fd = -1;
				closed_by_server++;
			}
			if (idle[i].fd < 0 && t - idle[i].opened >= 1) {
				idle[i].opened = t;
				idle[i].fd = dial("127.0.0.1");
			}
		}
		if (slow.fd >= 0 && gone(slow.fd)) {
			close(slow.fd);
			slow.fd = -1;
			slow_closed++;
		}
		if (slow.fd < 0 && t - slow.opened >= 1) {
			slow.opened = t;
			slow.sent = 0;
			slow.fd = dial("127.0.0.3");
		}
		if (slow.fd >= 0) { /* one byte of the header per round (0.2 s) */
			char c = slow.sent < strlen(SLOW_HEAD) ? SLOW_HEAD[slow.sent] : 'a';

			if (send(slow.fd, &c, 1, MSG_NOSIGNAL) == 1)
				slow.sent++;
		}
		if (header && t >= next_big) {
			next_big = t + 1;
			big_request(header);
		}
		usleep(200000);
	}
	printf("{\"opened\":%ld,\"refused_or_hung\":%ld,\"closed_by_server\":%ld,\"slowloris_closed\":%ld,"
	       "\"big_sent\":%ld,\"big_answered\":%ld,\"big_status\":\"%s\"}\n",
	       opened, refused, closed_by_server, slow_closed, big_sent, big_answered, big_status);
	return 0;
}
