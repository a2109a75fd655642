// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Unit tests for container_from_cgroup_path(): every runtime layout, then hostile paths.
#include <errno.h>
#include <stdlib.h>
#include "core/container.h"
#include "unit.h"

/* Two distinct container ids, to tell an inner container from an outer one. */
#define ID_A	   "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define ID_B	   "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
#define ID_63	   "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde"
#define ID_65	   ID_A "0"
#define ID_UPPER   "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef"
#define ID_NOT_HEX "g123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

#define POD_UID		"1234abcd-5678-90ef-1234-567890abcdef"
#define POD_UID_SYSTEMD "1234abcd_5678_90ef_1234_567890abcdef"
#define STATIC_POD_UID	"6d5b2e5c0d1e4f5a8b9c0d1e2f3a4b5c"

#define K8S_SYSTEMD   "/kubepods.slice/kubepods-burstable.slice/"
#define K8S_POD_SLICE K8S_SYSTEMD "kubepods-burstable-pod" POD_UID_SYSTEMD ".slice"
#define K8S_CGROUPFS  "/kubepods/burstable/pod" POD_UID

struct path_case {
	const char *path;
	enum container_runtime runtime;
	const char *id;
	const char *pod_uid;
	const char *unit;
};

/* Reports a mismatch as a failure of the running test, naming the path. */
static void check_path(const struct path_case *t)
{
	struct container_id got;

	UNIT_ROW(t->path);
	ASSERT_EQ_INT(container_from_cgroup_path(t->path, &got), 0);
	ASSERT_EQ_STR(container_runtime_name(got.runtime), container_runtime_name(t->runtime));
	ASSERT_EQ_STR(got.id, t->id);
	ASSERT_EQ_STR(got.pod_uid, t->pod_uid);
	ASSERT_EQ_STR(got.unit, t->unit);
}

#define CHECK_TABLE(table)                                                \
	do {                                                              \
		size_t i_;                                                \
		for (i_ = 0; i_ < sizeof(table) / sizeof(table[0]); i_++) \
			check_path(&table[i_]);                           \
	} while (0)

static const struct path_case runtime_cases[] = {
	{"/docker/" ID_A, CONTAINER_DOCKER, ID_A, "", ""},
	{"/system.slice/docker-" ID_A ".scope", CONTAINER_DOCKER, ID_A, "", ""},
	{"/system.slice/containerd.service/docker-" ID_A ".scope", CONTAINER_DOCKER, ID_A, "", ""},
	{"/system.slice/cri-containerd-" ID_A ".scope", CONTAINER_CONTAINERD, ID_A, "", ""},
	{"/system.slice/crio-" ID_A ".scope", CONTAINER_CRIO, ID_A, "", ""},
	{"/system.slice/crio-conmon-" ID_A ".scope", CONTAINER_CRIO, ID_A, "", ""},
	{"/machine.slice/libpod-" ID_A ".scope", CONTAINER_PODMAN, ID_A, "", ""},
	{"/machine.slice/libpod-conmon-" ID_A ".scope", CONTAINER_PODMAN, ID_A, "", ""},
	{"/machine.slice/libpod-" ID_A ".scope/container", CONTAINER_PODMAN, ID_A, "", ""},
	{"/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" ID_A ".scope",
	 CONTAINER_PODMAN, ID_A, "", ""},
	{"/libpod_parent/libpod-" ID_A, CONTAINER_PODMAN, ID_A, "", ""},
};

UNIT_TEST(test_runtimes)
{
	CHECK_TABLE(runtime_cases);
}

static const struct path_case kubernetes_cases[] = {
	{K8S_POD_SLICE "/cri-containerd-" ID_A ".scope", CONTAINER_CONTAINERD, ID_A, POD_UID, ""},
	{K8S_POD_SLICE "/crio-" ID_A ".scope", CONTAINER_CRIO, ID_A, POD_UID, ""},
	{K8S_POD_SLICE "/crio-conmon-" ID_A ".scope", CONTAINER_CRIO, ID_A, POD_UID, ""},
	{K8S_POD_SLICE "/docker-" ID_A ".scope", CONTAINER_DOCKER, ID_A, POD_UID, ""},
	{"/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" POD_UID_SYSTEMD
	 ".slice/cri-containerd-" ID_A ".scope",
	 CONTAINER_CONTAINERD, ID_A, POD_UID, ""},
	{"/kubepods.slice/kubepods-pod" POD_UID_SYSTEMD ".slice/cri-containerd-" ID_A ".scope",
	 CONTAINER_CONTAINERD, ID_A, POD_UID, ""},
	{K8S_CGROUPFS "/" ID_A, CONTAINER_CONTAINERD, ID_A, POD_UID, ""},
	{"/kubepods/pod" POD_UID "/" ID_A, CONTAINER_CONTAINERD, ID_A, POD_UID, ""},
	{"/kubepods/besteffort/pod" POD_UID "/crio-" ID_A, CONTAINER_CRIO, ID_A, POD_UID, ""},
	/* The pod itself, no container: the UID is still known. */
	{K8S_POD_SLICE, CONTAINER_NONE, "", POD_UID, ""},
	{K8S_POD_SLICE "/", CONTAINER_NONE, "", POD_UID, ""},
	{K8S_CGROUPFS, CONTAINER_NONE, "", POD_UID, ""},
	{K8S_CGROUPFS "/", CONTAINER_NONE, "", POD_UID, ""},
	{K8S_SYSTEMD "kubepods-burstable-pod" STATIC_POD_UID ".slice/cri-containerd-" ID_A ".scope",
	 CONTAINER_CONTAINERD, ID_A, STATIC_POD_UID, ""},
	{"/kubepods/burstable/pod" STATIC_POD_UID "/" ID_A, CONTAINER_CONTAINERD, ID_A,
	 STATIC_POD_UID, ""},
	/* A QoS level or kubepods slice alone is not a pod. */
	{K8S_SYSTEMD, CONTAINER_NONE, "", "", ""},
	{"/kubepods/burstable", CONTAINER_NONE, "", "", ""},
	/* A bare id counts only directly below its pod, and the pod is still reported. */
	{K8S_CGROUPFS "/extra/" ID_A, CONTAINER_NONE, "", POD_UID, ""},
};

UNIT_TEST(test_kubernetes)
{
	CHECK_TABLE(kubernetes_cases);
}

static const struct path_case unit_cases[] = {
	{"/system.slice/nginx.service", CONTAINER_SYSTEMD_UNIT, "", "", "nginx.service"},
	{"/system.slice/nginx.service/", CONTAINER_SYSTEMD_UNIT, "", "", "nginx.service"},
	{"/system.slice/nginx.service/workers", CONTAINER_SYSTEMD_UNIT, "", "", "nginx.service"},
	{"/user.slice/user-1000.slice/session-3.scope", CONTAINER_SYSTEMD_UNIT, "", "",
	 "session-3.scope"},
	{"/user.slice/user-1000.slice/user@1000.service/app.slice/app-firefox-42.scope",
	 CONTAINER_SYSTEMD_UNIT, "", "", "app-firefox-42.scope"},
	{"/system.slice/getty@tty1.service", CONTAINER_SYSTEMD_UNIT, "", "", "getty@tty1.service"},
	{"/system.slice/systemd-fsck@dev-disk-by\\x2duuid-1.service", CONTAINER_SYSTEMD_UNIT, "",
	 "", "systemd-fsck@dev-disk-by\\x2duuid-1.service"},
	{"/init.scope", CONTAINER_SYSTEMD_UNIT, "", "", "init.scope"},
	{"/system.slice", CONTAINER_NONE, "", "", ""},
	{"/system.slice/foo.socket", CONTAINER_NONE, "", "", ""},
	{"/system.slice/.service", CONTAINER_NONE, "", "", ""},
	{"/system.slice/nginx.servicex", CONTAINER_NONE, "", "", ""},
	{"/system.slice/telescope", CONTAINER_NONE, "", "", ""},
	{"/system.slice/webservice", CONTAINER_NONE, "", "", ""},
	/* Names systemd would never create are not units, whatever they end in. */
	{"/system.slice/\x1b[2J.service", CONTAINER_NONE, "", "", ""},
	{"/system.slice/a b.service", CONTAINER_NONE, "", "", ""},
	{"/system.slice/a\nb.service", CONTAINER_NONE, "", "", ""},
	{"/system.slice/caf\xc3\xa9.service", CONTAINER_NONE, "", "", ""},
	/* A container wins over the unit around it and the one inside it. */
	{"/system.slice/docker-" ID_A ".scope/system.slice/nginx.service", CONTAINER_DOCKER, ID_A,
	 "", ""},
	{"/system.slice/nginx.service/docker/" ID_A, CONTAINER_DOCKER, ID_A, "", ""},
};

UNIT_TEST(test_systemd_units)
{
	CHECK_TABLE(unit_cases);
}

static const struct path_case innermost_cases[] = {
	{"/docker/" ID_A "/docker/" ID_B, CONTAINER_DOCKER, ID_B, "", ""},
	{"/system.slice/docker-" ID_A ".scope/kubepods/burstable/pod" POD_UID "/" ID_B,
	 CONTAINER_CONTAINERD, ID_B, POD_UID, ""},
	{"/system.slice/docker-" ID_A ".scope/kubepods/burstable/pod" POD_UID, CONTAINER_DOCKER,
	 ID_A, POD_UID, ""},
	{"/kubepods/pod" POD_UID "/" ID_A "/kubepods/pod1111aaaa-2222-3333-4444-555566667777/" ID_B,
	 CONTAINER_CONTAINERD, ID_B, "1111aaaa-2222-3333-4444-555566667777", ""},
	/* A malformed inner id leaves the outer container in place. */
	{"/docker/" ID_A "/docker/" ID_63, CONTAINER_DOCKER, ID_A, "", ""},
};

UNIT_TEST(test_innermost_wins)
{
	CHECK_TABLE(innermost_cases);
}

static const struct path_case malformed_id_cases[] = {
	{"/docker/" ID_63, CONTAINER_NONE, "", "", ""},
	{"/docker/" ID_65, CONTAINER_NONE, "", "", ""},
	{"/docker/" ID_UPPER, CONTAINER_NONE, "", "", ""},
	{"/docker/" ID_NOT_HEX, CONTAINER_NONE, "", "", ""},
	{"/docker/" ID_A "\n", CONTAINER_NONE, "", "", ""},
	{"/docker/", CONTAINER_NONE, "", "", ""},
	{"/docker", CONTAINER_NONE, "", "", ""},
	{"/machine.slice/libpod-" ID_65, CONTAINER_NONE, "", "", ""},
	{"/system.slice/crio-" ID_UPPER, CONTAINER_NONE, "", "", ""},
	{"/system.slice/docker-.scope", CONTAINER_SYSTEMD_UNIT, "", "", "docker-.scope"},
	/* Still a systemd scope, just not a container: reported as the unit it is. */
	{"/system.slice/docker-" ID_63 ".scope", CONTAINER_SYSTEMD_UNIT, "", "",
	 "docker-" ID_63 ".scope"},
	{"/system.slice/cri-containerd-" ID_65 ".scope", CONTAINER_SYSTEMD_UNIT, "", "",
	 "cri-containerd-" ID_65 ".scope"},
	{"/system.slice/libpod-" ID_UPPER ".scope", CONTAINER_SYSTEMD_UNIT, "", "",
	 "libpod-" ID_UPPER ".scope"},
	{"/system.slice/crio-conmon-" ID_NOT_HEX ".scope", CONTAINER_SYSTEMD_UNIT, "", "",
	 "crio-conmon-" ID_NOT_HEX ".scope"},
	/* An unknown prefix or parent says nothing about the runtime. */
	{"/system.slice/rkt-" ID_A ".scope", CONTAINER_SYSTEMD_UNIT, "", "", "rkt-" ID_A ".scope"},
	{"/mygroup/" ID_A, CONTAINER_NONE, "", "", ""},
	{"/" ID_A, CONTAINER_NONE, "", "", ""},
	{"/docker-" ID_A ".scope.bak", CONTAINER_NONE, "", "", ""},
	{"/xdocker-" ID_A ".scope", CONTAINER_SYSTEMD_UNIT, "", "", "xdocker-" ID_A ".scope"},
};

UNIT_TEST(test_malformed_ids)
{
	CHECK_TABLE(malformed_id_cases);
}

static const struct path_case malformed_pod_cases[] = {
	/* The systemd driver writes '_', the cgroupfs driver '-'; the other is not a pod. */
	{K8S_SYSTEMD "kubepods-burstable-pod" POD_UID ".slice", CONTAINER_NONE, "", "", ""},
	{"/kubepods/burstable/pod" POD_UID_SYSTEMD, CONTAINER_NONE, "", "", ""},
	{K8S_SYSTEMD "kubepods-burstable-pod1234abcd_5678_90ef_1234_567890abcde.slice",
	 CONTAINER_NONE, "", "", ""},
	{K8S_SYSTEMD "kubepods-burstable-pod1234abcd_5678_90ef_1234_567890abcdef0.slice",
	 CONTAINER_NONE, "", "", ""},
	{K8S_SYSTEMD "kubepods-burstable-pod1234ABCD_5678_90ef_1234_567890abcdef.slice",
	 CONTAINER_NONE, "", "", ""},
	{K8S_SYSTEMD "kubepods-burstable-pod1234abcd5_678_90ef_1234_567890abcdef.slice",
	 CONTAINER_NONE, "", "", ""},
	{K8S_SYSTEMD "kubepods-guaranteed-pod" POD_UID_SYSTEMD ".slice", CONTAINER_NONE, "", "",
	 ""},
	{K8S_SYSTEMD "kubepods-burstable-pod" POD_UID_SYSTEMD, CONTAINER_NONE, "", "", ""},
	{"/kubepods/burstable/pod" STATIC_POD_UID "0", CONTAINER_NONE, "", "", ""},
	/* cgroupfs pod directories only count below "kubepods". */
	{"/pod" POD_UID "/" ID_A, CONTAINER_NONE, "", "", ""},
	{"/kubepodsx/pod" POD_UID, CONTAINER_NONE, "", "", ""},
	{"/kubepods/kubepods-pod" POD_UID, CONTAINER_NONE, "", "", ""},
	/* A malformed inner pod leaves the outer one in place. */
	{K8S_CGROUPFS "/kubepods/pod" POD_UID_SYSTEMD, CONTAINER_NONE, "", POD_UID, ""},
};

UNIT_TEST(test_malformed_pods)
{
	CHECK_TABLE(malformed_pod_cases);
}

static const struct path_case odd_shape_cases[] = {
	{"", CONTAINER_NONE, "", "", ""},
	{"/", CONTAINER_NONE, "", "", ""},
	{"//", CONTAINER_NONE, "", "", ""},
	{"///docker///" ID_A "///", CONTAINER_DOCKER, ID_A, "", ""},
	{"docker/" ID_A, CONTAINER_DOCKER, ID_A, "", ""},
	{"/docker/" ID_A "/", CONTAINER_DOCKER, ID_A, "", ""},
	{"/docker/" ID_A "/sub/cgroup", CONTAINER_DOCKER, ID_A, "", ""},
	/* "docker" must be the direct parent of the id. */
	{"/docker/x/" ID_A, CONTAINER_NONE, "", "", ""},
	{"/docker.slice/" ID_A, CONTAINER_NONE, "", "", ""},
};

UNIT_TEST(test_odd_shapes)
{
	CHECK_TABLE(odd_shape_cases);
}

/* Builds "<prefix><fill repeated n times><suffix>" in a malloc'd string the caller frees. */
static char *long_path(const char *prefix, char fill, size_t n, const char *suffix)
{
	size_t prefix_len = strlen(prefix), suffix_len = strlen(suffix);
	char *path = malloc(prefix_len + n + suffix_len + 1);

	if (!path)
		return NULL;
	memcpy(path, prefix, prefix_len);
	memset(path + prefix_len, fill, n);
	memcpy(path + prefix_len + n, suffix, suffix_len + 1);
	return path;
}

/* Returns what the parser makes of the path long_path() builds. */
static struct container_id parse_long_path(const char *prefix, char fill, size_t n,
					   const char *suffix)
{
	struct container_id got;
	char *path = long_path(prefix, fill, n, suffix);

	memset(&got, 0xaa, sizeof(got)); /* garbage, unless the parser runs and zeroes it */
	if (path)
		container_from_cgroup_path(path, &got);
	free(path);
	return got;
}

/* The unit field holds systemd's longest name, 255 bytes, and nothing longer. */
UNIT_TEST(test_unit_name_length_limit)
{
	struct container_id got;

	got = parse_long_path("/system.slice/", 'a', CONTAINER_UNIT_MAX - 8, ".service");
	ASSERT_EQ_INT(got.runtime, CONTAINER_SYSTEMD_UNIT);
	ASSERT_EQ_INT(strlen(got.unit), CONTAINER_UNIT_MAX);

	got = parse_long_path("/system.slice/", 'a', CONTAINER_UNIT_MAX - 7, ".service");
	ASSERT_EQ_INT(got.runtime, CONTAINER_NONE);
	ASSERT_EQ_STR(got.unit, "");
}

/* Huge components and paths: nothing overflows and a container after them is found. */
UNIT_TEST(test_very_long_components)
{
	struct container_id got;

	got = parse_long_path("/", 'a', 100000, ".service");
	ASSERT_EQ_INT(got.runtime, CONTAINER_NONE);
	got = parse_long_path("/docker/", 'a', 100000, "");
	ASSERT_EQ_INT(got.runtime, CONTAINER_NONE);
	got = parse_long_path("/system.slice/docker-", 'a', 100000, ".scope");
	ASSERT_EQ_INT(got.runtime, CONTAINER_NONE);
	got = parse_long_path("/kubepods/pod", 'a', 100000, "");
	ASSERT_EQ_STR(got.pod_uid, "");
	got = parse_long_path("/", 'x', 100000, "/docker/" ID_A);
	ASSERT_EQ_INT(got.runtime, CONTAINER_DOCKER);
	ASSERT_EQ_STR(got.id, ID_A);
	got = parse_long_path("", '/', 100000, "docker/" ID_A "/");
	ASSERT_EQ_STR(got.id, ID_A);
}

/* Whatever was in *out before, a path with nothing in it leaves every field empty. */
UNIT_TEST(test_output_is_zeroed)
{
	struct container_id got, zero;

	memset(&zero, 0, sizeof(zero));
	memset(&got, 0xaa, sizeof(got));
	ASSERT_EQ_INT(container_from_cgroup_path("/", &got), 0);
	ASSERT_TRUE(memcmp(&got, &zero, sizeof(got)) == 0);

	memset(&got, 0xaa, sizeof(got));
	ASSERT_EQ_INT(container_from_cgroup_path("/docker/" ID_A, &got), 0);
	ASSERT_EQ_STR(got.pod_uid, "");
	ASSERT_EQ_STR(got.unit, "");
}

UNIT_TEST(test_null_arguments)
{
	struct container_id got;

	memset(&got, 0xaa, sizeof(got));
	ASSERT_EQ_INT(container_from_cgroup_path(NULL, &got), -EINVAL);
	ASSERT_EQ_INT(got.runtime, CONTAINER_NONE);
	ASSERT_EQ_STR(got.id, "");
	ASSERT_EQ_INT(container_from_cgroup_path("/docker/" ID_A, NULL), -EINVAL);
}

UNIT_TEST(test_runtime_names)
{
	ASSERT_EQ_STR(container_runtime_name(CONTAINER_NONE), "none");
	ASSERT_EQ_STR(container_runtime_name(CONTAINER_DOCKER), "docker");
	ASSERT_EQ_STR(container_runtime_name(CONTAINER_CONTAINERD), "containerd");
	ASSERT_EQ_STR(container_runtime_name(CONTAINER_CRIO), "cri-o");
	ASSERT_EQ_STR(container_runtime_name(CONTAINER_PODMAN), "podman");
	ASSERT_EQ_STR(container_runtime_name(CONTAINER_SYSTEMD_UNIT), "systemd");
	ASSERT_EQ_STR(container_runtime_name((enum container_runtime)99), "unknown");
}

int main(void)
{
	RUN(test_runtimes);
	RUN(test_kubernetes);
	RUN(test_systemd_units);
	RUN(test_innermost_wins);
	RUN(test_malformed_ids);
	RUN(test_malformed_pods);
	RUN(test_odd_shapes);
	RUN(test_unit_name_length_limit);
	RUN(test_very_long_components);
	RUN(test_output_is_zeroed);
	RUN(test_null_arguments);
	RUN(test_runtime_names);
	return UNIT_MAIN_END();
}
