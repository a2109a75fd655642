// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Fuzzes the inventory -> snapshot -> views path (core/snapshot*.c,
// views/snapshot_view.c, views/view_json.c) with random socket records, as
// the iterators or /proc could hand them over: any struct pw_sock (any
// state, family, source, comm bytes), a netns with any port range and
// reserved ports, and any cgroup paths for the labels. The snapshot builds;
// its text tables are printable and its JSON is valid.
#include <limits.h>
#include "core/container.h"
#include "core/inventory.h"
#include "core/labels.h"
#include "core/snapshot.h"
#include "fuzz.h"
#include "sockets.h"
#include "views/snapshot_view.h"

#define MAX_SOCKS 64

/* One label per group, its path taken from the input (any bytes). */
static int make_labels(struct labels *l, const struct snapshot *snap, const uint8_t **data,
		       size_t *size)
{
	l->nr = 0;
	l->items = calloc(snap->nr_groups + 1, sizeof(*l->items));
	if (!l->items)
		return -1;
	for (size_t i = 0; i < snap->nr_groups; i++) {
		struct group_label *g = &l->items[l->nr++];
		uint8_t len = 0;

		g->key = snap->groups[i].key;
		fuzz_take(data, size, &len, 1);
		g->place.owned = calloc(1, len % 96 + 1);
		if (!g->place.owned)
			return -1;
		fuzz_take(data, size, g->place.owned, len % 96);
		g->place.path = g->place.owned;
		g->place.hierarchy = len & 0x80 ? "v1:memory" : "v2";
		container_from_cgroup_path(g->place.path, &g->container);
	}
	labels_sort(l);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct inventory inv;
	struct snapshot snap;
	struct labels labels;
	struct netns_ports *ns;
	struct fuzz_out o;
	uint8_t nr = 0, limit = 0;
	char *text;

	inventory_init(&inv);
	fuzz_take(&data, &size, &nr, 1);
	fuzz_take(&data, &size, &limit, 1);
	ns = inventory_add_netns(&inv, 4026531840u);
	if (!ns)
		abort();
	fuzz_take(&data, &size, &ns->low, sizeof(ns->low));
	fuzz_take(&data, &size, &ns->high, sizeof(ns->high));
	ns->known = ns->low & 1;
	for (int i = 0; i < 8 && size; i++) {
		uint16_t at = 0;

		fuzz_take(&data, &size, &at, sizeof(at));
		ns->reserved[at % PORT_BITMAP_BYTES] = (uint8_t)(at >> 8);
	}
	for (int i = 0; i < nr % MAX_SOCKS && size; i++) {
		struct pw_sock s;

		fuzz_take(&data, &size, &s, sizeof(s));
		if (s.netns & 1)
			s.netns = 4026531840u; /* most in the netns whose settings we know */
		if (inventory_add_sock(&inv, &s))
			abort();
	}
	if (snapshot_build(&inv, &snap)) {
		inventory_free(&inv);
		return 0;
	}
	if (make_labels(&labels, &snap, &data, &size))
		abort();

	snapshot_view_text(fuzz_out_begin(&o), &snap, &labels, limit % 4);
	text = fuzz_out_end(&o);
	fuzz_check_printable(text, o.len);
	free(text);

	FUZZ_ASSERT(snapshot_view_json(fuzz_out_begin(&o), &snap, &labels) == 0, NULL, 0);
	text = fuzz_out_end(&o);
	fuzz_check_json(text, o.len, 0);
	free(text);

	labels_free(&labels);
	snapshot_free(&snap);
	inventory_free(&inv);
	return 0;
}
