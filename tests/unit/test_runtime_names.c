// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Unit tests for container names from runtime state: the pure extraction from
// containerd's, CRI-O's and podman's JSON (fixtures, then hostile text), the
// cached file reader (links, FIFOs, big files, a container that goes), and the
// JSON view of the names.
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "core/regular_file.h"
#include "core/runtime_names.h"
#include "host/runtime_names.h"
#include "json_check.h"
#include "unit.h"
#include "views/json.h"
#include "views/view_json.h"

#define ID_A "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define ID_B "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
#define ID_C "c0ffee0000000000c0ffee0000000000c0ffee0000000000c0ffee0000000000"

#define FIXTURES	  "tests/fixtures/runtime"
#define CONTAINERD_CONFIG FIXTURES RUNTIME_NAMES_CONTAINERD_DIR "/" ID_A "/config.json"
#define CRIO_CONFIG	  FIXTURES RUNTIME_NAMES_CRIO_DIR "/" ID_B "/userdata/config.json"
#define PODMAN_FILE	  FIXTURES RUNTIME_NAMES_PODMAN_FILE

#define CD_NS  "io.kubernetes.cri.sandbox-namespace"
#define CD_POD "io.kubernetes.cri.sandbox-name"
#define CD_CTR "io.kubernetes.cri.container-name"

/* The whole of @path, NUL-terminated, or NULL. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t cap = 0;

	if (!f)
		return NULL;
	if (getdelim(&buf, &cap, '\0', f) < 0) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (buf)
		*len = strlen(buf);
	return buf;
}

static void check_fixture(const char *path, enum container_runtime rt, const char *ns,
			  const char *pod, const char *ctr)
{
	struct container_names n;
	size_t len = 0;
	char *text = slurp(path, &len);

	UNIT_ROW(path);
	ASSERT_TRUE(text != NULL);
	ASSERT_EQ_INT(runtime_names_from_json(rt, text, len, &n), 0);
	free(text);
	ASSERT_EQ_STR(n.pod_namespace, ns);
	ASSERT_EQ_STR(n.pod, pod);
	ASSERT_EQ_STR(n.container, ctr);
	ASSERT_EQ_INT(n.refused, 0);
}

UNIT_TEST(containerd_and_crio_fixtures)
{
	check_fixture(CONTAINERD_CONFIG, CONTAINER_CONTAINERD, "kube-system",
		      "coredns-5dd5756b68-7xk2p", "coredns");
	check_fixture(CRIO_CONFIG, CONTAINER_CRIO, "shop", "web-7d4b9c8f6-abcde", "nginx");
	/* each runtime's own keys only: a bundle is never read as another's */
	check_fixture(CONTAINERD_CONFIG, CONTAINER_CRIO, "", "", "");
	check_fixture(CRIO_CONFIG, CONTAINER_CONTAINERD, "", "", "");
}

UNIT_TEST(runtimes_without_annotations)
{
	struct container_names n;

	ASSERT_EQ_INT(runtime_names_from_json(CONTAINER_DOCKER, "{}", 2, &n), -EOPNOTSUPP);
	ASSERT_EQ_INT(runtime_names_from_json(CONTAINER_SYSTEMD_UNIT, "{}", 2, &n), -EOPNOTSUPP);
	ASSERT_EQ_INT(runtime_names_from_json(CONTAINER_NONE, "{}", 2, &n), -EOPNOTSUPP);
}

struct hostile_case {
	const char *name, *json;
	int err;
	const char *pod; /* what the sandbox-name annotation gives */
	bool refused;
};

static const struct hostile_case hostile_cases[] = {
	{"control chars kept raw (views escape them)",
	 "{\"annotations\":{\"" CD_POD "\":\"a\\u001b]0;x\\u0007\\n\\u007f\"}}", 0,
	 "a\x1b]0;x\x07\n\x7f", false},
	{"embedded NUL refused", "{\"annotations\":{\"" CD_POD "\":\"kube\\u0000-system\"}}", 0, "",
	 true},
	{"number", "{\"annotations\":{\"" CD_POD "\":42}}", 0, "", true},
	{"array", "{\"annotations\":{\"" CD_POD "\":[\"x\"]}}", 0, "", true},
	{"object", "{\"annotations\":{\"" CD_POD "\":{\"x\":\"y\"}}}", 0, "", true},
	{"null", "{\"annotations\":{\"" CD_POD "\":null}}", 0, "", true},
	{"annotations not an object", "{\"annotations\":[\"" CD_POD "\"]}", 0, "", true},
	{"no annotations", "{\"ociVersion\":\"1.0.2\"}", 0, "", false},
	{"empty object", "{}", 0, "", false},
	{"root an array", "[]", -EINVAL, "", false},
	{"root a string", "\"" CD_POD "\"", -EINVAL, "", false},
	{"empty text", "", -EINVAL, "", false},
	{"cut short", "{\"annotations\":{\"" CD_POD "\":\"p\"", -EINVAL, "", false},
	{"trailing bytes", "{\"annotations\":{\"" CD_POD "\":\"p\"}} {}", -EINVAL, "", false},
	{"not JSON", "annotations: p", -EINVAL, "", false},
};

UNIT_TEST(hostile_values)
{
	for (size_t i = 0; i < sizeof(hostile_cases) / sizeof(hostile_cases[0]); i++) {
		const struct hostile_case *t = &hostile_cases[i];
		struct container_names n;

		UNIT_ROW(t->name);
		ASSERT_EQ_INT(
			runtime_names_from_json(CONTAINER_CONTAINERD, t->json, strlen(t->json), &n),
			t->err);
		ASSERT_EQ_STR(n.pod, t->pod);
		ASSERT_EQ_INT(n.refused, t->refused);
	}
}

/* {"annotations":{KEY:"xxx...x"}} with a value of @len bytes, in a new buffer. */
static char *with_value(const char *key, size_t len)
{
	size_t size = strlen(key) + len + 64;
	char *buf = malloc(size);
	int n = snprintf(buf, size, "{\"annotations\":{\"%s\":\"", key);

	memset(buf + n, 'x', len);
	snprintf(buf + n + len, size - n - len, "\"}}");
	return buf;
}

static void check_length(const char *key, size_t len, size_t field_of, bool fits)
{
	struct container_names n;
	char *json = with_value(key, len);
	int err = runtime_names_from_json(CONTAINER_CONTAINERD, json, strlen(json), &n);
	const char *got = field_of == 0 ? n.pod_namespace : field_of == 1 ? n.pod : n.container;

	free(json);
	ASSERT_EQ_INT(err, 0);
	ASSERT_EQ_INT(strlen(got), fits ? len : 0);
	ASSERT_EQ_INT(n.refused, !fits);
}

UNIT_TEST(length_caps)
{
	UNIT_ROW("namespace 63 fits, 64 refused");
	check_length(CD_NS, CONTAINER_NS_MAX, 0, true);
	check_length(CD_NS, CONTAINER_NS_MAX + 1, 0, false);
	UNIT_ROW("pod 253 fits, 254 refused");
	check_length(CD_POD, CONTAINER_NAME_MAX, 1, true);
	check_length(CD_POD, CONTAINER_NAME_MAX + 1, 1, false);
	UNIT_ROW("container 253 fits, a 500 KiB one is refused");
	check_length(CD_CTR, CONTAINER_NAME_MAX, 2, true);
	check_length(CD_CTR, 500 << 10, 2, false);
}

/* @depth arrays nested in an ignored member, then the names. */
static int nested(int depth, struct container_names *n)
{
	char buf[4096];
	int k = snprintf(buf, sizeof(buf), "{\"x\":");

	for (int i = 0; i < depth; i++)
		buf[k++] = '[';
	for (int i = 0; i < depth; i++)
		buf[k++] = ']';
	k += snprintf(buf + k, sizeof(buf) - k, ",\"annotations\":{\"" CD_POD "\":\"p\"}}");
	return runtime_names_from_json(CONTAINER_CONTAINERD, buf, (size_t)k, n);
}

UNIT_TEST(deep_nesting_and_size)
{
	struct container_names n;
	char *big;

	ASSERT_EQ_INT(nested(RUNTIME_NAMES_DEPTH_MAX - 2, &n), 0);
	ASSERT_EQ_STR(n.pod, "p");
	ASSERT_EQ_INT(nested(RUNTIME_NAMES_DEPTH_MAX, &n), -EINVAL);
	ASSERT_EQ_INT(nested(1000, &n), -EINVAL);
	/* the size check comes before any parse */
	big = malloc(RUNTIME_NAMES_FILE_MAX + 1);
	memset(big, ' ', RUNTIME_NAMES_FILE_MAX + 1);
	memcpy(big, "{}", 2);
	ASSERT_EQ_INT(runtime_names_from_json(CONTAINER_CRIO, big, RUNTIME_NAMES_FILE_MAX + 1, &n),
		      -EFBIG);
	ASSERT_EQ_INT(runtime_names_from_json(CONTAINER_CRIO, big, RUNTIME_NAMES_FILE_MAX, &n), 0);
	free(big);
}

UNIT_TEST(podman_containers_json)
{
	static const char *const hostile[] = {
		"[{\"id\":\"" ID_C "\",\"names\":\"web\"}]",
		"[{\"id\":\"" ID_C "\",\"names\":[7]}]",
		"[{\"id\":\"" ID_C "\",\"names\":[\"a\\u0000b\"]}]",
	};
	struct container_names n;
	size_t len = 0;
	char *text = slurp(PODMAN_FILE, &len);

	ASSERT_TRUE(text != NULL);
	ASSERT_EQ_INT(runtime_names_podman_from_json(text, len, ID_C, &n), 0);
	ASSERT_EQ_STR(n.container, "pw-web");
	ASSERT_EQ_STR(n.pod, "");
	ASSERT_EQ_INT(runtime_names_podman_from_json(text, len, ID_A, &n), -ENOENT);
	free(text);
	for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		UNIT_ROW(hostile[i]);
		ASSERT_EQ_INT(
			runtime_names_podman_from_json(hostile[i], strlen(hostile[i]), ID_C, &n),
			0);
		ASSERT_EQ_STR(n.container, "");
		ASSERT_EQ_INT(n.refused, 1);
	}
	ASSERT_EQ_INT(runtime_names_podman_from_json("{}", 2, ID_C, &n), -EINVAL);
	ASSERT_EQ_INT(runtime_names_podman_from_json("[1,\"x\",null]", 12, ID_C, &n), -ENOENT);
}

UNIT_TEST(label_text)
{
	struct container_names n = {.pod_namespace = "ns", .pod = "p", .container = "c"};
	char buf[RUNTIME_NAMES_LABEL_SIZE];

	runtime_names_label(&n, buf, sizeof(buf));
	ASSERT_EQ_STR(buf, "ns/p/c");
	n = (struct container_names){.container = "pw-web"};
	runtime_names_label(&n, buf, sizeof(buf));
	ASSERT_EQ_STR(buf, "pw-web");
	n = (struct container_names){0};
	runtime_names_label(&n, buf, sizeof(buf));
	ASSERT_EQ_STR(buf, "");
	/* the longest names fit whole */
	memset(n.pod_namespace, 'n', CONTAINER_NS_MAX);
	memset(n.pod, 'p', CONTAINER_NAME_MAX);
	memset(n.container, 'c', CONTAINER_NAME_MAX);
	runtime_names_label(&n, buf, sizeof(buf));
	ASSERT_EQ_INT(strlen(buf), CONTAINER_NS_MAX + 2 * CONTAINER_NAME_MAX + 2);
}

/* The container object of a JSON view, names escaped. */
UNIT_TEST(json_view_escapes_names)
{
	struct container_id c = {.runtime = CONTAINER_CONTAINERD, .id = ID_A};
	struct json_writer w;
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	snprintf(c.names.pod_namespace, sizeof(c.names.pod_namespace), "kube-system");
	snprintf(c.names.pod, sizeof(c.names.pod), "evil\"\x1b]0;x\x07\n");
	snprintf(c.names.container, sizeof(c.names.container),
		 "\xc2\x9b"
		 "c");
	ASSERT_TRUE(f != NULL);
	json_init(&w, f);
	json_object_begin(&w);
	view_json_container(&w, &c, true);
	json_object_end(&w);
	ASSERT_EQ_INT(json_finish(&w), 0);
	fclose(f);
	ASSERT_TRUE(json_check(out) == NULL);
	ASSERT_TRUE(strstr(out, "\"pod_namespace\":\"kube-system\",\"pod\":\"evil\\\"\\u001b]0;x"
				"\\u0007\\n\",\"container\":\"\\u009bc\"}") != NULL);
	ASSERT_TRUE(strstr(out, "names_refused") == NULL);
	free(out);
}

/* A scratch root with the containerd bundle directory of ID_A. */
struct scratch {
	char root[64], dir[512], config[600];
};

static int scratch_make(struct scratch *s)
{
	char cmd[700];

	snprintf(s->root, sizeof(s->root), "/tmp/pw-names-XXXXXX");
	if (!mkdtemp(s->root))
		return -errno;
	snprintf(s->dir, sizeof(s->dir), "%s" RUNTIME_NAMES_CONTAINERD_DIR "/" ID_A, s->root);
	snprintf(s->config, sizeof(s->config), "%s/config.json", s->dir);
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", s->dir);
	return system(cmd) ? -EIO : 0;
}

static void scratch_remove(struct scratch *s)
{
	char cmd[200];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", s->root);
	if (system(cmd))
		fprintf(stderr, "could not remove %s\n", s->root);
	runtime_names_set_root(NULL);
	runtime_names_set_recheck_ms(RUNTIME_NAMES_RECHECK_MS);
}

static int write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	fputs(text, f);
	return fclose(f) ? -EIO : 0;
}

UNIT_TEST(reader_on_fixtures)
{
	struct container_id cd = {.runtime = CONTAINER_CONTAINERD, .id = ID_A};
	struct container_id crio = {.runtime = CONTAINER_CRIO, .id = ID_B};
	struct container_id podman = {.runtime = CONTAINER_PODMAN, .id = ID_C};
	struct container_id gone = {.runtime = CONTAINER_CRIO, .id = ID_A};
	struct container_id docker = {.runtime = CONTAINER_DOCKER, .id = ID_A};
	struct runtime_names_stats before, after;

	runtime_names_set_root(FIXTURES);
	ASSERT_EQ_INT(runtime_names_lookup(&cd), 0);
	ASSERT_EQ_STR(cd.names.pod, "coredns-5dd5756b68-7xk2p");
	ASSERT_EQ_INT(runtime_names_lookup(&crio), 0);
	ASSERT_EQ_STR(crio.names.pod_namespace, "shop");
	ASSERT_EQ_INT(runtime_names_lookup(&podman), 0);
	ASSERT_EQ_STR(podman.names.container, "pw-web");
	ASSERT_EQ_INT(runtime_names_lookup(&gone), -ENOENT);
	ASSERT_EQ_STR(gone.names.pod, "");
	ASSERT_EQ_INT(runtime_names_lookup(&docker), -EOPNOTSUPP);
	/* the second time comes from the cache */
	runtime_names_stats(&before);
	memset(&cd.names, 0, sizeof(cd.names));
	ASSERT_EQ_INT(runtime_names_lookup(&cd), 0);
	ASSERT_EQ_STR(cd.names.container, "coredns");
	runtime_names_stats(&after);
	ASSERT_EQ_INT(after.reads, before.reads);
	ASSERT_EQ_INT(after.hits, before.hits + 1);
	runtime_names_set_root(NULL);
}

UNIT_TEST(reader_changes_and_eviction)
{
	struct container_id c = {.runtime = CONTAINER_CONTAINERD, .id = ID_A};
	struct runtime_names_stats st;
	struct scratch s;

	ASSERT_EQ_INT(scratch_make(&s), 0);
	runtime_names_set_root(s.root);
	ASSERT_EQ_INT(write_text(s.config, "{\"annotations\":{\"" CD_POD "\":\"one\"}}"), 0);
	ASSERT_EQ_INT(runtime_names_lookup(&c), 0);
	ASSERT_EQ_STR(c.names.pod, "one");
	/* within RUNTIME_NAMES_RECHECK_MS the entry is trusted without a stat */
	ASSERT_EQ_INT(write_text(s.config, "{\"annotations\":{\"" CD_POD "\":\"second\"}}"), 0);
	ASSERT_EQ_INT(runtime_names_lookup(&c), 0);
	ASSERT_EQ_STR(c.names.pod, "one");
	/* past it, a rewritten file (another size) is read again, not served stale */
	runtime_names_set_recheck_ms(0);
	ASSERT_EQ_INT(runtime_names_lookup(&c), 0);
	ASSERT_EQ_STR(c.names.pod, "second");
	/* the container goes: its entry goes, and no name is left behind */
	runtime_names_stats(&st);
	unlink(s.config);
	ASSERT_EQ_INT(runtime_names_lookup(&c), -ENOENT);
	ASSERT_EQ_STR(c.names.pod, "");
	{
		struct runtime_names_stats now;

		runtime_names_stats(&now);
		ASSERT_EQ_INT(now.evicted, st.evicted + 1);
	}
	scratch_remove(&s);
}

UNIT_TEST(reader_refuses_links_fifos_and_big_files)
{
	struct container_id c = {.runtime = CONTAINER_CONTAINERD, .id = ID_A};
	char target[700], *big;
	struct scratch s;
	int fd;

	ASSERT_EQ_INT(scratch_make(&s), 0);
	runtime_names_set_root(s.root);
	runtime_names_set_recheck_ms(0); /* each file below replaces the last at once */
	snprintf(target, sizeof(target), "%s/target.json", s.root);
	ASSERT_EQ_INT(write_text(target, "{\"annotations\":{\"" CD_POD "\":\"linked\"}}"), 0);
	ASSERT_EQ_INT(symlink(target, s.config), 0);
	ASSERT_EQ_INT(runtime_names_lookup(&c), -ELOOP);
	ASSERT_EQ_STR(c.names.pod, "");
	unlink(s.config);
	/* a FIFO with no writer would block a plain open: refused at once */
	ASSERT_EQ_INT(mkfifo(s.config, 0600), 0);
	ASSERT_EQ_INT(runtime_names_lookup(&c), -ENOTREG_FILE);
	unlink(s.config);
	/* one byte over the limit */
	big = malloc(RUNTIME_NAMES_FILE_MAX + 2);
	memset(big, ' ', RUNTIME_NAMES_FILE_MAX + 1);
	big[RUNTIME_NAMES_FILE_MAX + 1] = '\0';
	memcpy(big, "{}", 2);
	fd = open(s.config, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ASSERT_TRUE(fd >= 0);
	ASSERT_EQ_INT(write(fd, big, RUNTIME_NAMES_FILE_MAX + 1), RUNTIME_NAMES_FILE_MAX + 1);
	close(fd);
	free(big);
	ASSERT_EQ_INT(runtime_names_lookup(&c), -EFBIG);
	/* bad JSON in the file: refused, nothing named */
	ASSERT_EQ_INT(write_text(s.config, "{\"annotations\":"), 0);
	ASSERT_EQ_INT(runtime_names_lookup(&c), -EINVAL);
	ASSERT_EQ_STR(c.names.pod, "");
	scratch_remove(&s);
}

int main(void)
{
	RUN(containerd_and_crio_fixtures);
	RUN(runtimes_without_annotations);
	RUN(hostile_values);
	RUN(length_caps);
	RUN(deep_nesting_and_size);
	RUN(podman_containers_json);
	RUN(label_text);
	RUN(json_view_escapes_names);
	RUN(reader_on_fixtures);
	RUN(reader_changes_and_eviction);
	RUN(reader_refuses_links_fifos_and_big_files);
	return UNIT_MAIN_END();
}
