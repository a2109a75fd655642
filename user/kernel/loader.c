// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Skeleton lifecycle: choose programs by trying them on this kernel, load, attach.
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "core/log.h"
#include "kernel/calibrate.h"
#include "kernel/loader.h"
#include "portwarden.h"
#include "trace.skel.h"

/*
 * One configuration to try: which flavour of each optional hook group. Each
 * is found by loading it, never by version (two builds of one version
 * differ: README "Kernel support"); where the kernel added what a group
 * needs, for the reader:
 *  - tp_btf: 9e15db66136a ("bpf: Implement accurate raw_tp context access
 *    via BTF"), v5.5; the classic tracepoint program type, v4.7.
 *  - post_bind4/6: aac3fc320d94 ("bpf: Post-hooks for sys_bind"), v4.17.
 *  - fexit: fec56f5890d9 ("bpf: Introduce BPF trampoline"), v5.5; refused
 *    with EPERM by many hardened hosts whatever their version.
 *  - port hooks: cgroup/bind4/6, 4fbac77d2d09 ("bpf: Hooks for sys_bind"),
 *    and connect4/6, d74bad4e74ee ("bpf: Hooks for sys_connect"), v4.17;
 *    their ctx->sk ("bpf: export bpf_sock for BPF_PROG_TYPE_CGROUP_SOCK_ADDR
 *    prog type"), v5.3; bpf_getsockopt() in the bind hooks, 427167c0b064
 *    ("bpf: Allow bpf_{s,g}etsockopt from cgroup bind{4,6} hooks"), v5.11;
 *    cgroup/sock_release, f5836749c9c0 ("bpf: Add
 *    BPF_CGROUP_INET_SOCK_RELEASE hook"), v5.9.
 *  - send hook: the sock_send_length tracepoint, 6e6eda44b939 ("sock: add
 *    tracepoint for send recv length"), in net-next in January 2023; and
 *    socket storage from tracing programs, 8e4597c627fb ("bpf: Allow using
 *    bpf_sk_storage in FENTRY/FEXIT/RAW_TP"), v5.11.
 */
struct attempt {
	bool state_btf;	 /* tp_btf/inet_sock_set_state, else the classic tracepoint */
	bool bind_hooks; /* cgroup/post_bind4/6 (they load on 6.1 and 6.12 too: tests/vm) */
	bool fexit;	 /* fexit on the port allocators, with cgroup/bind4/6 markers */
	bool port_hooks; /* without fexit: cgroup/bind4/6, connect4/6 and sock_release */
	bool send_hook;	 /* without fexit: tp_btf/sock_send_length */
};

/* Best first. tp_btf reads the socket directly and generates its cookie;
 * the classic tracepoint works on older or stricter kernels. The port and
 * send hooks need socket storage in cgroup programs, and a tracepoint of
 * 2023 (above): each is dropped in turn where the kernel refuses it. */
static const struct attempt state_attempts[] = {
	{.state_btf = true, .bind_hooks = true, .port_hooks = true, .send_hook = true},
	{.state_btf = true, .bind_hooks = true, .port_hooks = true},
	{.state_btf = true, .bind_hooks = true},
	{.state_btf = false, .bind_hooks = true, .port_hooks = true, .send_hook = true},
	{.state_btf = false, .bind_hooks = true, .port_hooks = true},
	{.state_btf = false, .bind_hooks = true},
	{.state_btf = true},
	{.state_btf = false},
};

#define MAX_ATTEMPTS 16

/*
 * Ring buffer sizes. `trace` streams every event and needs 8 MiB to lose
 * none at ~400k events/s (BENCHMARKS.md section 3). The accounting users
 * (run, report, top) read only failures, as evidence, once per interval:
 * 256 KiB holds ~2k of them, and lost ones are counted and shown. libbpf
 * maps the data pages twice and they all become resident, so the size is
 * most of an idle daemon's RSS.
 */
#define RING_BYTES_TRACE      (8U << 20)
#define RING_BYTES_ACCOUNTING (256U << 10)

/* A size from test-only environment variable @name, or @dflt: the fault
 * tests shrink the ring and the activity map to overflow them for real. */
static uint32_t test_size(const char *name, uint32_t dflt)
{
	const char *v = getenv(name);
	char *end;
	unsigned long n;

	if (!v || !*v)
		return dflt;
	errno = 0;
	n = strtoul(v, &end, 10);
	return errno || *end || !n || n > dflt ? dflt : (uint32_t)n;
}

/* The events ring for @cfg (a power of two, a multiple of the page size;
 * PORTWARDEN_TEST_RING_BYTES may shrink it, for the fault tests). */
static uint32_t ring_bytes(const struct tracer_config *cfg)
{
	return test_size("PORTWARDEN_TEST_RING_BYTES", cfg->accounting && cfg->failed_only
							       ? RING_BYTES_ACCOUNTING
							       : RING_BYTES_TRACE);
}

/* May this run use @a? The tp_btf hooks are the fast forms (direct loads
 * through BTF pointers), the classic tracepoint the safe one (probe reads):
 * PORTWARDEN_BPF=safe keeps to it. PORTWARDEN_TEST_REFUSE plays a kernel
 * that refuses "tp_btf", "tracepoint", "fexit", "bind-hooks", "port-hooks"
 * or "send-hook". */
static bool allowed(const struct attempt *a)
{
	if ((a->state_btf || a->send_hook) && (calib_safe_only() || calib_test_refused("tp_btf")))
		return false;
	if (a->port_hooks && calib_test_refused("port-hooks"))
		return false;
	if (a->send_hook && calib_test_refused("send-hook"))
		return false;
	if (!a->state_btf && calib_test_refused("tracepoint"))
		return false;
	if (a->fexit && calib_test_refused("fexit"))
		return false;
	return !(a->bind_hooks && calib_test_refused("bind-hooks"));
}

static bool planned(const struct attempt *plan, size_t n, const struct attempt *a)
{
	for (size_t i = 0; i < n; i++)
		if (!memcmp(&plan[i], a, sizeof(*a)))
			return true;
	return false;
}

/*
 * The configurations @mode may use, best first. fexit needs the cgroup bind
 * markers, so its attempts keep them. auto tries fexit once and then falls
 * back to state: many kernels (lockdown setups, some hosts) refuse fexit
 * loads with EPERM, which only trying reveals.
 */
static size_t plan_attempts(enum trace_mode mode, struct attempt *out)
{
	struct attempt all[MAX_ATTEMPTS];
	size_t n = 0, nr_all = 0;

	if (mode == MODE_AUTO || mode == MODE_FEXIT) {
		all[nr_all++] = (struct attempt){.state_btf = true, .bind_hooks = true, .fexit = true};
		/* with the classic tracepoint: fexit mode needs fexit, and safe
		 * forms (PORTWARDEN_BPF=safe) should not cost auto its fexit */
		if (mode == MODE_FEXIT || calib_safe_only())
			all[nr_all++] = (struct attempt){.bind_hooks = true, .fexit = true};
	}
	for (size_t i = 0; mode != MODE_FEXIT && i < sizeof(state_attempts) / sizeof(state_attempts[0]); i++)
		all[nr_all++] = state_attempts[i];
	for (size_t i = 0; i < nr_all; i++) {
		/* syscall mode sees these outcomes at the syscalls' return */
		if (mode == MODE_SYSCALL)
			all[i].port_hooks = all[i].send_hook = false;
		if (allowed(&all[i]) && !planned(out, n, &all[i]))
			out[n++] = all[i];
	}
	return n;
}

static void set_autoload(struct bpf_program *const *progs, size_t n, bool on)
{
	for (size_t i = 0; i < n; i++)
		bpf_program__set_autoload(progs[i], on);
}

static void configure(struct trace_bpf *s, const struct tracer_config *cfg,
		      const struct attempt *a)
{
	struct bpf_program *const syscall[] = {
		s->progs.sys_enter_bind,   s->progs.sys_enter_listen,  s->progs.sys_enter_connect,
		s->progs.sys_enter_sendto, s->progs.sys_enter_sendmsg, s->progs.sys_enter_sendmmsg,
		s->progs.sys_exit_bind,	   s->progs.sys_exit_listen,   s->progs.sys_exit_connect,
		s->progs.sys_exit_sendto,  s->progs.sys_exit_sendmsg,  s->progs.sys_exit_sendmmsg,
	};
	struct bpf_program *const fexit[] = {
		s->progs.tcp_get_port_exit,
		s->progs.udp_get_port_exit,
		s->progs.bind4_mark,
		s->progs.bind6_mark,
	};
	/* the post_bind hooks report successes and count the ports taken */
	struct bpf_program *const post_bind[] = {s->progs.post_bind4, s->progs.post_bind6};
	struct bpf_program *const port_hooks[] = {
		s->progs.bind4_request,	   s->progs.bind6_request, s->progs.connect4_request,
		s->progs.connect6_request, s->progs.post_bind4_note, s->progs.post_bind6_note,
		s->progs.sock_released,
	};

	s->rodata->targ_tgid = cfg->tgid;
	s->rodata->targ_cgroup_id = cfg->cgroup_id;
	s->rodata->targ_cgroup_level = cfg->cgroup_level;
	s->rodata->targ_failed_only = cfg->failed_only;
	s->rodata->targ_accounting = cfg->accounting;
	bpf_map__set_max_entries(s->maps.events, ring_bytes(cfg));
	/* these maps preallocate every entry: shrink them when nobody reads them */
	if (!cfg->accounting) {
		bpf_map__set_max_entries(s->maps.closers, 1);
		bpf_map__set_max_entries(s->maps.activity, 1);
	} else {
		/* PORTWARDEN_TEST_ACTIVITY_MAX: a map the fault tests can fill */
		bpf_map__set_max_entries(s->maps.activity, test_size("PORTWARDEN_TEST_ACTIVITY_MAX",
								     PW_ACTIVITY_MAX));
	}
	bpf_program__set_autoload(s->progs.state_btf, a->state_btf);
	bpf_program__set_autoload(s->progs.state_rescue, a->state_btf);
	bpf_program__set_autoload(s->progs.state_tp, !a->state_btf);
	set_autoload(post_bind, 2, a->bind_hooks && (!cfg->failed_only || cfg->accounting));
	set_autoload(fexit, sizeof(fexit) / sizeof(fexit[0]), a->fexit);
	set_autoload(port_hooks, sizeof(port_hooks) / sizeof(port_hooks[0]), a->port_hooks);
	bpf_program__set_autoload(s->progs.udp_sent, a->send_hook);
	set_autoload(syscall, sizeof(syscall) / sizeof(syscall[0]), cfg->mode == MODE_SYSCALL);
}

static int add_link(struct tracer *t, struct bpf_link *link)
{
	int err = libbpf_get_error(link);

	if (err)
		return err;
	if (t->nr_links == TRACER_MAX_LINKS) {
		bpf_link__destroy(link);
		return -E2BIG;
	}
	t->links[t->nr_links++] = link;
	return 0;
}

static int attach_all(struct tracer *t, const struct tracer_config *cfg)
{
	struct bpf_program *prog;
	struct bpf_link *link;
	int err;

	t->rescue_waits = false;
	bpf_object__for_each_program(prog, t->skel->obj)
	{
		if (!bpf_program__autoload(prog))
			continue;
		if (prog == t->skel->progs.state_rescue) {
			/* the benchmarks' price of a host where runs are missed */
			t->rescue_waits = cfg->rescue_on_miss &&
					  !getenv("PORTWARDEN_TEST_RESCUE_AT_START");
			if (t->rescue_waits)
				continue;
			/* before the attach: a run it could rescue needs the flag */
			t->skel->bss->rescue_armed = true;
		}
		if (bpf_program__type(prog) == BPF_PROG_TYPE_CGROUP_SOCK ||
		    bpf_program__type(prog) == BPF_PROG_TYPE_CGROUP_SOCK_ADDR)
			link = bpf_program__attach_cgroup(prog, t->cgroup_fd);
		else
			link = bpf_program__attach(prog);
		err = add_link(t, link);
		if (err) {
			pr_debug("cannot attach %s: %s\n", bpf_program__name(prog), strerror(-err));
			return err;
		}
	}
	return 0;
}

static void detach_all(struct tracer *t)
{
	while (t->nr_links > 0)
		bpf_link__destroy(t->links[--t->nr_links]);
}

#define TRACEFS "/sys/kernel/tracing"

/* Classic tracepoints are found by id in tracefs, which some hosts do not
 * mount. Mount it where the kernel expects it; it stays for other tools. */
static void ensure_tracefs(void)
{
	struct stat st;

	if (stat(TRACEFS "/events", &st) == 0)
		return;
	if (mount("nodev", TRACEFS, "tracefs", 0, NULL) == 0)
		pr_info("mounted tracefs at %s (classic tracepoints need it)\n", TRACEFS);
	else
		pr_debug("cannot mount tracefs at %s: %s\n", TRACEFS, strerror(errno));
}

static bool needs_tracefs(const struct tracer_config *cfg, const struct attempt *a)
{
	return cfg->mode == MODE_SYSCALL || !a->state_btf;
}

static int try_attempt(struct tracer *t, const struct tracer_config *cfg, const struct attempt *a)
{
	int err;

	if (needs_tracefs(cfg, a))
		ensure_tracefs();
	t->skel = trace_bpf__open();
	if (!t->skel)
		return -errno;
	configure(t->skel, cfg, a);
	err = trace_bpf__load(t->skel);
	if (!err)
		err = attach_all(t, cfg);
	if (err) {
		detach_all(t);
		trace_bpf__destroy(t->skel);
		t->skel = NULL;
		return err;
	}
	t->state_btf = a->state_btf;
	t->bind_hooks = a->bind_hooks && !cfg->failed_only;
	t->port_hooks = a->port_hooks;
	t->send_hook = a->send_hook;
	t->mode = a->fexit ? MODE_FEXIT : cfg->mode == MODE_SYSCALL ? MODE_SYSCALL : MODE_STATE;
	return 0;
}

/* Each attempt of the plan in turn until one loads; its error or the first's. */
static int try_plan(struct tracer *t, const struct tracer_config *cfg)
{
	struct attempt plan[MAX_ATTEMPTS];
	size_t nr = plan_attempts(cfg->mode, plan);
	int err = -EPERM, first_err = 0;

	for (size_t i = 0; i < nr; i++) {
		err = try_attempt(t, cfg, &plan[i]);
		if (!err)
			return 0;
		if (!first_err)
			first_err = err;
		pr_debug("load attempt %zu (%s%s%s%s%s) failed: %s\n", i,
			 plan[i].state_btf ? "tp_btf" : "tracepoint",
			 plan[i].bind_hooks ? ", bind hooks" : "", plan[i].fexit ? ", fexit" : "",
			 plan[i].port_hooks ? ", port hooks" : "",
			 plan[i].send_hook ? ", send hook" : "", strerror(-err));
	}
	return first_err ? first_err : err;
}

/* The verdicts for -v and `portwarden probe`. */
static void note_verdicts(const struct tracer *t, const struct tracer_config *cfg)
{
	char ring[48];

	/* no ring buffer, no program loads: the event path needs one, 457f44363a88
	 * ("bpf: Implement BPF ring buffer and verifier support for it"), v5.8 */
	snprintf(ring, sizeof(ring), "BPF_MAP_TYPE_RINGBUF, %u KiB", ring_bytes(cfg) >> 10);
	calib_note("ring buffer", "yes", ring);
	calib_note("state hook", t->state_btf ? "fast" : "safe",
		   t->state_btf ? "tp_btf/inet_sock_set_state"
				: "tracepoint/sock/inet_sock_set_state (probe reads)");
	if (cfg->mode == MODE_AUTO || cfg->mode == MODE_FEXIT)
		calib_note("fexit", t->mode == MODE_FEXIT ? "yes" : "refused",
			   t->mode == MODE_FEXIT ? "fexit/inet_csk_get_port, fexit/udp_lib_get_port"
			   : t->port_hooks || t->send_hook
				   ? "the port and send hooks stand in for it"
				   : "bind(0) and UDP autobind failures are not seen");
	if (t->mode == MODE_STATE) {
		calib_note("port hooks", t->port_hooks ? "yes" : "refused",
			   t->port_hooks ? "cgroup/bind4/6, connect4/6, sock_release: bind(0) and UDP "
					   "connect failures, inferred at close"
					 : "bind(0) and UDP connect failures are not seen");
		calib_note("send hook", t->send_hook ? "yes" : "refused",
			   t->send_hook ? "tp_btf/sock_send_length: UDP send autobind failures"
					: "UDP send autobind failures are not seen");
	}
	if (!cfg->failed_only)
		calib_note("bind hooks", t->bind_hooks ? "yes" : "refused",
			   t->bind_hooks ? "cgroup/post_bind4/6" : "successful binds are not shown");
}

int tracer_open(struct tracer *t, const struct tracer_config *cfg)
{
	int err = 0;

	memset(t, 0, sizeof(*t));
	t->cgroup_fd = open(cfg->cgroup_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (t->cgroup_fd < 0) {
		err = -errno;
		pr_warn("failed to open cgroup %s: %s\n", cfg->cgroup_dir, strerror(-err));
		return err;
	}
	err = try_plan(t, cfg);
	if (err) {
		pr_warn("failed to load BPF programs: %s (run with -v for libbpf's log)\n",
			strerror(-err));
		if (cfg->mode == MODE_FEXIT && err == -EPERM)
			pr_warn("this kernel refuses fexit programs: use --mode state or "
				"syscall\n");
		close(t->cgroup_fd);
		return err;
	}
	note_verdicts(t, cfg);
	if (t->mode == MODE_STATE && (!t->port_hooks || !t->send_hook))
		pr_info("this kernel refused the %s: %s are not seen (--mode syscall sees them, "
			"at a cost on every syscall)\n",
			!t->port_hooks && !t->send_hook ? "port and send hooks"
			: !t->port_hooks		 ? "port hooks"
							 : "send hook (sock_send_length, 6.4+)",
			!t->port_hooks && !t->send_hook ? "bind(0) and UDP autobind failures"
			: !t->port_hooks		 ? "bind(0) and UDP connect failures"
							 : "UDP send autobind failures");
	if (!t->bind_hooks && !cfg->failed_only)
		pr_warn("this kernel refused the cgroup bind hooks: successful binds are not "
			"shown\n");
	pr_debug("loaded: state hook %s, bind hooks %s, mode %s\n", t->state_btf ? "tp_btf" : "tracepoint",
		 t->bind_hooks ? "yes" : "no", trace_mode_name(t->mode));
	/* libbpf parsed the kernel's BTF (~11 MB at its peak) for every load
	 * attempt and freed it: hand that memory back instead of keeping it */
	malloc_trim(0);
	return 0;
}

void tracer_close(struct tracer *t)
{
	detach_all(t);
	trace_bpf__destroy(t->skel);
	t->skel = NULL;
	if (t->cgroup_fd >= 0)
		close(t->cgroup_fd);
	t->cgroup_fd = -1;
}

int tracer_events_fd(const struct tracer *t)
{
	return bpf_map__fd(t->skel->maps.events);
}

int tracer_closers_fd(const struct tracer *t)
{
	return bpf_map__fd(t->skel->maps.closers);
}

int tracer_activity_fd(const struct tracer *t)
{
	return bpf_map__fd(t->skel->maps.activity);
}

uint64_t tracer_lost_events(const struct tracer *t)
{
	return __atomic_load_n(&t->skel->bss->lost_events, __ATOMIC_RELAXED);
}

uint64_t tracer_activity_dropped(const struct tracer *t)
{
	return __atomic_load_n(&t->skel->bss->activity_dropped, __ATOMIC_RELAXED);
}

uint64_t tracer_activity_inserts(const struct tracer *t)
{
	return __atomic_load_n(&t->skel->bss->activity_inserts, __ATOMIC_RELAXED);
}

uint32_t tracer_activity_capacity(const struct tracer *t)
{
	return bpf_map__max_entries(t->skel->maps.activity);
}

/* A program's recursion_misses, 9ed9e9ba2337 ("bpf: Count the number of
 * times recursion was prevented"), v5.12; older kernels have none: 0. */
static uint64_t recursion_misses(const struct bpf_program *prog)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int fd = bpf_program__fd(prog);

	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	return info.recursion_misses;
}

int tracer_rescue_on_miss(struct tracer *t)
{
	struct bpf_program *rescue;
	int err;

	if (!t->rescue_waits || !recursion_misses(t->skel->progs.state_btf))
		return 0;
	rescue = t->skel->progs.state_rescue;
	/* flag first: state_btf marks its CPU busy from its next run on (a run
	 * already under way goes unrescued if interrupted: counted as missed) */
	t->skel->bss->rescue_armed = true;
	err = add_link(t, bpf_program__attach(rescue));
	/* once either way: a failing attach would fail, and warn, every step */
	t->rescue_waits = false;
	if (err) {
		t->skel->bss->rescue_armed = false;
		pr_warn("cannot attach the state hook's rescue: %s (the runs it would rescue stay "
			"counted as missed)\n", strerror(-err));
		return err;
	}
	return 1;
}

size_t tracer_prog_stats(const struct tracer *t, struct tracer_prog_stat *out, size_t max)
{
	return t->skel ? bpf_object_prog_stats(t->skel->obj, out, max) : 0;
}

size_t bpf_object_prog_stats(const struct bpf_object *obj, struct tracer_prog_stat *out,
			     size_t max)
{
	struct bpf_program *prog;
	size_t n = 0;

	if (!obj)
		return 0;
	bpf_object__for_each_program(prog, obj)
	{
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);

		if (n == max || fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
			continue;
		snprintf(out[n].name, sizeof(out[n].name), "%s", bpf_program__name(prog));
		out[n].run_time_ns = info.run_time_ns;
		out[n].run_cnt = info.run_cnt;
		n++;
	}
	return n;
}

uint64_t tracer_missed_runs(const struct tracer *t)
{
	const struct trace_bpf *s = t->skel;
	struct bpf_program *prog;
	uint64_t missed = 0, rescued, state_misses;

	bpf_object__for_each_program(prog, s->obj)
	{
		/* state_rescue's own misses came while state_btf was free to run */
		if (prog != s->progs.state_btf && prog != s->progs.state_rescue)
			missed += recursion_misses(prog);
	}
	if (!t->state_btf)
		return missed;
	/* read apart, the two may disagree for a moment: never below zero */
	rescued = __atomic_load_n(&s->bss->rescued_runs, __ATOMIC_RELAXED);
	state_misses = recursion_misses(s->progs.state_btf);
	return missed + (state_misses > rescued ? state_misses - rescued : 0);
}
