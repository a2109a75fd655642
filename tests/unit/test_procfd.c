// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Unit tests for socket holders from /proc/PID/fd (on a fixture tree) and their join with table records.
#include <errno.h>
#include <stdint.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include "host/procfd.h"
#include "host/procfs.h"
#include "unit.h"

#define FIXTURE	       "tests/fixtures/procfd"
#define MEMORY_MOUNT   "tests/fixtures/cgroup-memory"
#define NETNS_5150     4026532001u
#define NETNS_5151     4026532002u
#define NETNS_OF_TABLE 4026531840u

static const struct pw_sock *find(const struct inventory *inv, uint32_t tgid, uint32_t fd)
{
	for (size_t i = 0; i < inv->nr_socks; i++)
		if (inv->socks[i].tgid == tgid && inv->socks[i].fd == fd)
			return &inv->socks[i];
	return NULL;
}

static uint64_t ino_of(const char *path)
{
	struct stat st;

	return stat(path, &st) ? 0 : st.st_ino;
}

/* 5150: sockets 1001-1003 among a pipe, an eventpoll, /dev/null and broken
 * socket links; 5151: 1001 (shared with 5150) and 2001; 5152: no fd dir. */
UNIT_TEST(scan_fixture_tree)
{
	uint64_t cg1 = ino_of(MEMORY_MOUNT "/docker/abc");
	const struct pw_sock *s;
	struct inventory inv;

	ASSERT_TRUE(cg1 != 0);
	inventory_init(&inv);
	procfs_set_root(FIXTURE);
	ASSERT_EQ_INT(procfd_scan(&inv, MEMORY_MOUNT), 0);
	procfs_set_root("/proc");
	ASSERT_EQ_INT(inv.nr_socks, 5); /* self -> 5150 is not read twice */
	s = find(&inv, 5150, 3);
	ASSERT_TRUE(s != NULL);
	ASSERT_TRUE(s->key == (PW_KEY_INODE | 1001));
	ASSERT_EQ_INT(s->source, PW_SOCK_FILE);
	ASSERT_EQ_INT(s->flags, PW_SOCKF_OWNER_KNOWN);
	ASSERT_EQ_STR(s->comm, "evil) S 1 (x"); /* up to the last ')' */
	ASSERT_EQ_INT(s->netns, NETNS_5150);
	ASSERT_EQ_INT(s->cgroup1_id, cg1);
	ASSERT_EQ_INT(s->protocol, 0); /* unknown until procfd_complete() */
	ASSERT_TRUE(find(&inv, 5150, 4) && find(&inv, 5150, 6));
	ASSERT_TRUE(!find(&inv, 5150, 7) && !find(&inv, 5150, 8) && !find(&inv, 5150, 9));
	s = find(&inv, 5151, 12);
	ASSERT_TRUE(s != NULL);
	ASSERT_TRUE(s->key == (PW_KEY_INODE | 1001));
	ASSERT_EQ_STR(s->comm, "nginx: worker");
	ASSERT_EQ_INT(s->netns, NETNS_5151);
	ASSERT_EQ_INT(s->cgroup1_id, 0); /* no memory line in its cgroup file */
	ASSERT_TRUE(find(&inv, 5151, 13) != NULL);
	inventory_free(&inv);
}

UNIT_TEST(scan_without_memory_mount_or_process)
{
	struct inventory inv;

	inventory_init(&inv);
	procfs_set_root(FIXTURE);
	ASSERT_EQ_INT(procfd_scan_pid(&inv, 5150, NULL), 0);
	ASSERT_EQ_INT(procfd_scan_pid(&inv, 5152, ""), -ENOENT); /* no fd directory */
	ASSERT_EQ_INT(procfd_scan_pid(&inv, 4040, ""), -ENOENT);
	procfs_set_root(FIXTURE "/missing");
	ASSERT_EQ_INT(procfd_scan(&inv, NULL), -ENOENT);
	procfs_set_root("/proc");
	ASSERT_EQ_INT(inv.nr_socks, 3);
	for (size_t i = 0; i < inv.nr_socks; i++)
		ASSERT_EQ_INT(inv.socks[i].cgroup1_id, 0);
	inventory_free(&inv);
}

static struct pw_sock table_rec(uint8_t source, uint64_t key, uint16_t sport, uint8_t state)
{
	struct pw_sock s = {.key = key, .source = source, .sport = sport, .state = state};

	s.protocol = source == PW_SOCK_UDP ? IPPROTO_UDP : IPPROTO_TCP;
	s.family = AF_INET6;
	s.dport = 443;
	s.cgroup_id = 77;
	s.netns = NETNS_OF_TABLE;
	s.saddr[15] = 1;
	s.daddr[0] = 0x20;
	if (state == TCP_LISTEN)
		s.flags = PW_SOCKF_BIND_BUCKET;
	return s;
}

static struct pw_sock file_rec(uint64_t key, uint32_t tgid, uint32_t fd)
{
	struct pw_sock s = {.key = key, .source = PW_SOCK_FILE, .tgid = tgid, .fd = fd};

	s.flags = PW_SOCKF_OWNER_KNOWN;
	s.netns = 1; /* the holder's, until the socket's replaces it */
	s.cgroup1_id = 5;
	memcpy(s.comm, "holder", 7);
	return s;
}

/* Files meet their table record by key; the unmatched ones go, order kept. */
UNIT_TEST(complete_matches_and_drops)
{
	struct pw_sock recs[] = {
		file_rec(PW_KEY_INODE | 10, 100, 3), /* a listener */
		table_rec(PW_SOCK_TCP, PW_KEY_INODE | 10, 8080, TCP_LISTEN),
		file_rec(PW_KEY_INODE | 11, 100, 4), /* a unix socket: no table record */
		table_rec(PW_SOCK_TCP, 11, 5000, TCP_TIME_WAIT), /* cookie 11 is no inode 11 */
		file_rec(PW_KEY_INODE | 12, 200, 5),		 /* UDP, held twice */
		file_rec(PW_KEY_INODE | 12, 300, 6),
		table_rec(PW_SOCK_UDP, PW_KEY_INODE | 12, 53, TCP_CLOSE),
		file_rec(PW_KEY_INODE | 13, 300, 7), /* its table record comes later */
		table_rec(PW_SOCK_TCP, PW_KEY_INODE | 14, 6000, TCP_ESTABLISHED),
		table_rec(PW_SOCK_TCP, PW_KEY_INODE | 13, 40000, TCP_ESTABLISHED),
	};
	struct inventory inv;
	const struct pw_sock *s;

	inventory_init(&inv);
	for (size_t i = 0; i < sizeof(recs) / sizeof(recs[0]); i++)
		ASSERT_EQ_INT(inventory_add_sock(&inv, &recs[i]), 0);
	ASSERT_EQ_INT(procfd_complete(&inv), 1);
	ASSERT_EQ_INT(inv.nr_socks, 9);
	ASSERT_TRUE(find(&inv, 100, 4) == NULL);
	s = find(&inv, 100, 3);
	ASSERT_TRUE(s == &inv.socks[0]);
	ASSERT_EQ_INT(s->sport, 8080);
	ASSERT_EQ_INT(s->state, TCP_LISTEN);
	ASSERT_EQ_INT(s->protocol, IPPROTO_TCP);
	ASSERT_EQ_INT(s->family, AF_INET6);
	ASSERT_EQ_INT(s->dport, 443);
	ASSERT_EQ_INT(s->cgroup_id, 77);
	ASSERT_EQ_INT(s->netns, NETNS_OF_TABLE);
	ASSERT_TRUE(s->saddr[15] == 1 && s->daddr[0] == 0x20);
	ASSERT_EQ_INT(s->flags, PW_SOCKF_OWNER_KNOWN | PW_SOCKF_BIND_BUCKET);
	ASSERT_EQ_INT(s->source, PW_SOCK_FILE);
	ASSERT_EQ_INT(s->cgroup1_id, 5); /* the holder's side stays */
	ASSERT_EQ_STR(s->comm, "holder");
	ASSERT_EQ_INT(inv.socks[2].source, PW_SOCK_TCP); /* the TIME_WAIT record, moved up */
	ASSERT_TRUE(inv.socks[2].key == 11);
	ASSERT_EQ_INT(find(&inv, 200, 5)->protocol, IPPROTO_UDP);
	ASSERT_EQ_INT(find(&inv, 300, 6)->sport, 53);
	ASSERT_EQ_INT(find(&inv, 300, 6)->flags, PW_SOCKF_OWNER_KNOWN);
	ASSERT_EQ_INT(find(&inv, 300, 7)->sport, 40000);
	inventory_free(&inv);
}

UNIT_TEST(complete_edge_cases)
{
	struct pw_sock only_files[] = {file_rec(PW_KEY_INODE | 1, 1, 1),
				       file_rec(PW_KEY_INODE | 2, 1, 2)};
	struct pw_sock only_table = table_rec(PW_SOCK_UDP, PW_KEY_INODE | 3, 9, TCP_CLOSE);
	struct inventory inv;

	inventory_init(&inv);
	ASSERT_EQ_INT(procfd_complete(&inv), 0); /* empty */
	ASSERT_EQ_INT(inventory_add_sock(&inv, &only_files[0]), 0);
	ASSERT_EQ_INT(inventory_add_sock(&inv, &only_files[1]), 0);
	ASSERT_EQ_INT(procfd_complete(&inv), 2);
	ASSERT_EQ_INT(inv.nr_socks, 0);
	ASSERT_EQ_INT(inventory_add_sock(&inv, &only_table), 0);
	ASSERT_EQ_INT(procfd_complete(&inv), 0);
	ASSERT_EQ_INT(inv.nr_socks, 1);
	ASSERT_TRUE(inv.socks[0].key == (PW_KEY_INODE | 3));
	inventory_free(&inv);
}

/* Many records: the join is a hash lookup each, and keeps every match. */
UNIT_TEST(complete_at_scale)
{
	const uint32_t n = 50000;
	struct inventory inv;
	struct pw_sock s;

	inventory_init(&inv);
	for (uint32_t i = 0; i < n; i++) {
		s = file_rec(PW_KEY_INODE | i, i, 3);
		ASSERT_EQ_INT(inventory_add_sock(&inv, &s), 0);
		/* every third socket has no table record */
		s = table_rec(PW_SOCK_TCP, PW_KEY_INODE | (i % 3 ? i : i + 10 * n), (uint16_t)i,
			      TCP_ESTABLISHED);
		ASSERT_EQ_INT(inventory_add_sock(&inv, &s), 0);
	}
	ASSERT_EQ_INT(procfd_complete(&inv), (n + 2) / 3);
	ASSERT_EQ_INT(inv.nr_socks, 2 * n - (n + 2) / 3);
	for (size_t i = 0; i < inv.nr_socks; i++) {
		const struct pw_sock *r = &inv.socks[i];

		if (r->source == PW_SOCK_FILE)
			ASSERT_EQ_INT(r->sport, (uint16_t)r->tgid);
	}
	inventory_free(&inv);
}

/* Our own process through the real /proc: a socket we hold is found. */
UNIT_TEST(scan_self)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	const struct pw_sock *s;
	struct inventory inv;
	struct stat st;

	if (fd < 0 || fstat(fd, &st))
		SKIP_TEST("no UDP socket here");
	inventory_init(&inv);
	ASSERT_EQ_INT(procfd_scan_pid(&inv, getpid(), NULL), 0);
	s = find(&inv, (uint32_t)getpid(), (uint32_t)fd);
	ASSERT_TRUE(s != NULL);
	ASSERT_TRUE(s->key == (PW_KEY_INODE | st.st_ino));
	ASSERT_EQ_STR(s->comm, "test_procfd");
	ASSERT_TRUE(s->netns != 0);
	inventory_free(&inv);
	close(fd);
}

int main(void)
{
	RUN(scan_fixture_tree);
	RUN(scan_without_memory_mount_or_process);
	RUN(complete_matches_and_drops);
	RUN(complete_edge_cases);
	RUN(complete_at_scale);
	RUN(scan_self);
	return UNIT_MAIN_END();
}
