// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Socket inventory collection: task files once, then TCP and UDP tables per netns.
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "core/idmap.h"
#include "core/log.h"
#include "host/cgroups.h"
#include "host/netns.h"
#include "host/procfd.h"
#include "host/procfs.h"
#include "kernel/calib_memo.h"
#include "kernel/calibrate.h"
#include "kernel/collector.h"
#include "kernel/sockdiag.h"
#include "sockets.skel.h"

#define MAX_NETNS 4096
/* records of room asked for before each read(); the kernel hands out 32 KiB at most */
#define READ_RECORDS 1024

/*
 * The iterators' parts, in the order of struct collector's links. Each is
 * found by loading it; where the kernel added what it needs:
 *  - iter/task_file: eaaacd23910f ("bpf: Add task and task/file iterator
 *    targets"), v5.8; bpf_sock_from_file(), 4f19cab76136 ("bpf: Add a
 *    bpf_sock_from_file helper"), v5.11.
 *  - iter/tcp ("net: bpf: Implement bpf iterator for tcp"), v5.9; iter/udp,
 *    5788b3a07fc5 ("net: bpf: Implement bpf iterator for udp"), v5.9;
 *    bpf_skc_to_tcp_sock(), 478cfbdf5f13 ("bpf: Add bpf_skc_to_{tcp,
 *    tcp_timewait, tcp_request}_sock() helpers"), v5.9.
 */
enum { PART_FILES, PART_TCP, PART_UDP, NR_PARTS };

struct load_ctx {
	struct collector *c;
	int closers_fd;
};

static void unload(void *arg)
{
	struct collector *c = ((struct load_ctx *)arg)->c;

	sockets_bpf__destroy(c->skel);
	c->skel = NULL;
}

/* calib_load_fn: the iterators in the forms @parts gives. */
static int load(void *arg, const struct calib_part *parts, size_t nr)
{
	struct load_ctx *lc = arg;
	struct sockets_bpf *s = sockets_bpf__open();
	struct bpf_program *progs[NR_PARTS];
	int err;

	if (!s)
		return -errno;
	progs[PART_FILES] = s->progs.sock_files;
	progs[PART_TCP] = s->progs.tcp_socks;
	progs[PART_UDP] = s->progs.udp_socks;
	for (size_t i = 0; i < nr; i++)
		bpf_program__set_autoload(progs[i], parts[i].form <= FORM_SAFE);
	s->rodata->safe_files = parts[PART_FILES].form == FORM_SAFE;
	s->rodata->safe_tcp = parts[PART_TCP].form == FORM_SAFE;
	s->rodata->safe_udp = parts[PART_UDP].form == FORM_SAFE;
	if (lc->closers_fd >= 0)
		err = bpf_map__reuse_fd(s->maps.closers, lc->closers_fd);
	else /* private and empty: keep it from preallocating */
		err = bpf_map__set_max_entries(s->maps.closers, 1);
	if (!err)
		err = sockets_bpf__load(s);
	if (err) {
		sockets_bpf__destroy(s);
		return err;
	}
	lc->c->skel = s;
	return 0;
}

/*
 * The tables come from sock_diag when an iterator for them is refused, and
 * also when the files come from /proc: a bound, idle socket is in no table
 * an iterator walks, and the file iterator gave its port itself; /proc
 * gives only the inode, and sock_diag can dump such sockets (6.8+).
 */
static bool use_sockdiag(const struct collector *c)
{
	return !c->files || !c->tcp || !c->udp;
}

/* Can the fallback see anything? One dump of our own netns tells:
 * -EOPNOTSUPP when the kernel answers no dump at all (inet_diag is a module
 * that is not loaded, or not built). */
static int sockdiag_usable(void)
{
	struct inventory probe;
	struct sockdiag_stats st = {0};
	int err;

	inventory_init(&probe);
	err = sockdiag_dump(&probe, 0, -1, &st);
	inventory_free(&probe);
	return err == -EOPNOTSUPP ? err : 0;
}

/* Say what stands in for the parts the kernel refused, and what that loses. */
static void warn_fallbacks(const struct collector *c)
{
	if (!c->files)
		pr_warn("socket iterators: no iter/task_file here: process sockets are read from "
			"/proc/PID/fd (slower; a bound socket the kernel cannot dump is missed)\n");
	if (use_sockdiag(c))
		pr_warn("socket iterators: %s: socket tables come from sock_diag (slower; "
			"bind-before-connect is not seen)\n",
			!c->tcp	  ? "no iter/tcp here"
			: !c->udp ? "no iter/udp here"
				  : "with /proc");
}

static struct bpf_link *attach(struct bpf_program *prog, const struct calib_part *part)
{
	struct bpf_link *link;

	if (part->form > FORM_SAFE)
		return NULL;
	link = bpf_program__attach_iter(prog, NULL);
	if (!link)
		pr_warn("cannot attach %s: %s\n", part->name, strerror(errno));
	return link;
}

int collector_open(struct collector *c, int closers_fd, bool recalibrate)
{
	struct calib_part parts[NR_PARTS] = {
		[PART_FILES] = {.name = "iter/task_file", .has_safe = true},
		[PART_TCP] = {.name = "iter/tcp", .has_safe = true},
		[PART_UDP] = {.name = "iter/udp", .has_safe = true},
	};
	struct load_ctx lc = {.c = c, .closers_fd = closers_fd};
	struct cgroup_mounts mounts;
	struct calib_memo memo;
	const void *elf;
	size_t elf_size;
	int err;

	memset(c, 0, sizeof(*c));
	c->closers_fd = closers_fd;
	if (!cgroup_find_mounts(&mounts))
		snprintf(c->memory_mount, sizeof(c->memory_mount), "%s", mounts.v1_memory);
	elf = sockets_bpf__elf_bytes(&elf_size);
	err = calibrate(
		parts, NR_PARTS, load, unload, &lc,
		!recalibrate && calib_memo_init(&memo, CALIB_MEMO_PATH, "sockets", elf, elf_size)
			? &memo
			: NULL);
	if (err) {
		pr_warn("failed to load the socket iterators: %s\n", strerror(-err));
		return err;
	}
	/* libbpf freed the kernel BTF it parsed to load (~11 MB at its peak) */
	malloc_trim(0);
	c->files = attach(c->skel->progs.sock_files, &parts[PART_FILES]);
	c->tcp = attach(c->skel->progs.tcp_socks, &parts[PART_TCP]);
	c->udp = attach(c->skel->progs.udp_socks, &parts[PART_UDP]);
	warn_fallbacks(c);
	err = use_sockdiag(c) ? sockdiag_usable() : 0;
	if (err) {
		pr_warn("this kernel refused the socket iterators and has no socket diagnostics "
			"(CONFIG_INET_DIAG and its tcp_diag/udp_diag modules): no socket can be "
			"listed\n");
		collector_close(c);
	}
	return err;
}

void collector_close(struct collector *c)
{
	bpf_link__destroy(c->udp);
	bpf_link__destroy(c->tcp);
	bpf_link__destroy(c->files);
	sockets_bpf__destroy(c->skel);
	memset(c, 0, sizeof(*c));
}

/*
 * Read one iterator run to the end, straight into the inventory's array: no
 * copy and no call per record (at 100k sockets the copying was a fifth of a
 * snapshot). Records never straddle a run, but one read() may end
 * mid-record: those bytes wait past nr_socks for the rest.
 */
static int read_iter(struct bpf_link *link, struct inventory *inv)
{
	const size_t rec = sizeof(struct pw_sock);
	int fd = bpf_iter_create(bpf_link__fd(link)), err = 0;
	size_t partial = 0; /* bytes of an unfinished record at &socks[nr_socks] */
	ssize_t n;

	if (fd < 0)
		return -errno;
	for (;;) {
		char *tail;

		err = inventory_reserve(inv, READ_RECORDS);
		if (err)
			break;
		tail = (char *)&inv->socks[inv->nr_socks];
		n = read(fd, tail + partial, (inv->cap_socks - inv->nr_socks) * rec - partial);
		if (n <= 0) {
			err = n < 0 ? -errno : 0;
			break;
		}
		/* whole records end where the next tail starts: the rest stays put */
		partial += (size_t)n;
		inv->nr_socks += partial / rec;
		partial %= rec;
	}
	close(fd);
	return err;
}

/* A path to enter each netns that holds sockets: a holder's /proc/PID/ns/net. */
static size_t netns_from_holders(const struct inventory *inv, struct netns_ref *refs, size_t nr)
{
	for (size_t i = 0; i < inv->nr_socks && nr < MAX_NETNS; i++) {
		const struct pw_sock *s = &inv->socks[i];
		char rel[32];
		int seen = nr && refs[nr - 1].inum == s->netns; /* records come grouped */

		for (size_t j = 0; j < nr && !seen; j++)
			seen = refs[j].inum == s->netns;
		if (seen)
			continue;
		snprintf(rel, sizeof(rel), "%u/ns/net", s->tgid);
		procfs_path(refs[nr].path, sizeof(refs[nr].path), rel);
		if (netns_inum_of(refs[nr].path) == s->netns) {
			refs[nr].inum = s->netns;
			nr++;
		}
	}
	return nr;
}

/* Sockets of one netns that processes hold through fds, each counted once:
 * TCP ones in its hashes (listening or connected), UDP ones bound. */
struct held_counts {
	uint32_t tcp, udp;
};

static size_t ref_of(const struct netns_ref *refs, size_t nr, uint32_t inum, size_t hint)
{
	if (refs[hint].inum == inum)
		return hint;
	for (size_t j = 0; j < nr; j++)
		if (refs[j].inum == inum)
			return j;
	return nr;
}

/* What the file records of each netns in @refs say its tables hold. O(records). */
static int count_held(const struct inventory *inv, const struct netns_ref *refs, size_t nr,
		      struct held_counts *held)
{
	struct keyset keys = {0};
	size_t r = 0;
	int added = 0;

	for (size_t i = 0; i < inv->nr_socks && added >= 0; i++) {
		const struct pw_sock *s = &inv->socks[i];
		bool tcp = s->protocol == IPPROTO_TCP;

		if (s->source != PW_SOCK_FILE || (tcp ? s->state == TCP_CLOSE : !s->sport))
			continue;
		r = ref_of(refs, nr, s->netns, r < nr ? r : 0);
		if (r == nr)
			continue;
		/* a socket shared by several fds or processes is one table entry */
		added = keyset_add(&keys, s->key);
		if (added > 0 && tcp)
			held[r].tcp++;
		else if (added > 0)
			held[r].udp++;
	}
	keyset_free(&keys);
	return added < 0 ? added : 0;
}

/*
 * Which tables of the netns we are in need a walk. Each walk scans the whole
 * host's TCP hash (every netns shares it; 262k buckets here), so skipping
 * one saves work in proportion to the host, not to the netns. A table whose
 * sockstat count equals the sockets its holders already showed us would add
 * nothing: no TIME_WAIT, no orphan, no connection waiting in an accept
 * queue. Counts that differ, or cannot be read, mean a walk.
 */
static void tables_to_walk(const struct collector *c, const struct held_counts *held, bool *tcp,
			   bool *udp)
{
	struct sockstat st;

	*tcp = *udp = true;
	/* file records from /proc know no state or port to compare with */
	if (!c->files || netns_read_sockstat(&st))
		return;
	*tcp = st.tcp_tw || st.tcp_inuse != held->tcp;
	*udp = st.udp_inuse != held->udp;
}

/* Both tables of the netns we are in, from sock_diag: the fallback. */
static int dump_tables(struct collector *c, uint32_t netns, struct inventory *inv)
{
	struct sockdiag_stats st = {0};
	int err = sockdiag_dump(inv, netns, c->closers_fd, &st);

	if (!err && st.unsupported)
		pr_debug("sock_diag refused some dumps in netns %u (mask %#x)\n", netns,
			 st.unsupported);
	return err;
}

/* Walk one netns's tables and read its port settings from inside it. */
static int walk_netns(struct collector *c, const struct netns_ref *ref, bool home,
		      const struct held_counts *held, struct inventory *inv)
{
	struct netns_ports *ports;
	bool tcp, udp;
	int err = home ? 0 : netns_enter(ref->path);

	if (err)
		return err;
	ports = inventory_add_netns(inv, ref->inum);
	if (!ports)
		err = -ENOMEM;
	else if (netns_read_ports(ports))
		pr_debug("cannot read port settings of netns %u\n", ref->inum);
	if (!err && use_sockdiag(c)) {
		err = dump_tables(c, ref->inum, inv);
	} else if (!err) {
		tables_to_walk(c, held, &tcp, &udp);
		if (tcp)
			err = read_iter(c->tcp, inv);
		if (!err && udp)
			err = read_iter(c->udp, inv);
		c->tables_skipped += !tcp + !udp;
	}
	if (!home && netns_leave()) {
		pr_warn("failed to return to our network namespace: %s\n", strerror(errno));
		return -EIO; /* everything after this would look at the wrong netns */
	}
	return err;
}

/* Every netns that holds sockets, then its tables, walked where they add to the files. */
static int walk_all(struct collector *c, struct netns_ref *refs, size_t nr, struct inventory *inv)
{
	struct held_counts *held = calloc(nr, sizeof(*held));
	int err = held ? count_held(inv, refs, nr, held) : -ENOMEM;

	c->netns_failed = 0;
	c->tables_skipped = 0;
	for (size_t i = 0; i < nr && !err; i++) {
		err = walk_netns(c, &refs[i], i == 0, &held[i], inv);
		if (err && err != -EIO && err != -ENOMEM) {
			pr_debug("skipping netns %u: %s\n", refs[i].inum, strerror(-err));
			c->netns_failed++;
			err = 0;
		}
	}
	free(held);
	return err;
}

int collector_run(struct collector *c, struct inventory *inv)
{
	struct netns_ref *refs = calloc(MAX_NETNS, sizeof(*refs));
	struct timespec ts;
	size_t nr = 1;
	int err;

	if (!refs)
		return -ENOMEM;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	inv->taken_ns = (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
	procfs_path(refs[0].path, sizeof(refs[0].path), "self/ns/net");
	refs[0].inum = netns_inum_of(refs[0].path);
	/* a daemon's samples are about the size of the last one: one allocation,
	 * not a doubling series of copies (an error surfaces on the first read) */
	(void)inventory_reserve(inv, c->last_records);
	err = c->files ? read_iter(c->files, inv) : procfd_scan(inv, c->memory_mount);
	if (!err) {
		nr = netns_from_holders(inv, refs, nr);
		nr = netns_add_named(refs, nr, MAX_NETNS);
		err = walk_all(c, refs, nr, inv);
	}
	/* /proc gave each file's socket only a key: take the rest from its table record */
	if (!err && !c->files) {
		int dropped = procfd_complete(inv);

		err = dropped < 0 ? dropped : 0;
	}
	/* the next run's first size: this one's, a little growth, and the room
	 * read_iter() asks for before its last read (which returns nothing) */
	c->last_records = inv->nr_socks + inv->nr_socks / 32 + 2 * READ_RECORDS;
	pr_debug("collected %zu records from %zu netns, %llu table walks skipped\n", inv->nr_socks,
		 nr, (unsigned long long)c->tables_skipped);
	free(refs);
	return err;
}

size_t collector_prog_stats(const struct collector *c, struct tracer_prog_stat *out, size_t max)
{
	return c->skel ? bpf_object_prog_stats(c->skel->obj, out, max) : 0;
}
