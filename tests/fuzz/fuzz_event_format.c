// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The portwarden authors
// Fuzzes the event views (views/event_format.c) with random event records,
// as a broken or hostile ring buffer could hand them over: any struct
// pw_event (any op, source, family, errno, comm bytes) and any cgroup path
// gives one text line of printable ASCII and one valid JSON line.
#include <limits.h>
#include <time.h>
#include "core/container.h"
#include "core/labels.h"
#include "fuzz.h"
#include "portwarden.h"
#include "views/event_format.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cgroup_place place;
	static struct container_id container;
	static const char *const hierarchies[] = {"v2", "v1:memory", "unknown"};
	struct pw_event ev;
	struct event_view v = {.ev = &ev, .place = &place, .container = &container};
	struct fuzz_out o;
	uint8_t pick = 0;
	char *path, *text;
	int64_t secs;

	fuzz_take(&data, &size, &ev, sizeof(ev));
	fuzz_take(&data, &size, &pick, 1);
	fuzz_take(&data, &size, &secs, sizeof(secs));
	v.wall.tv_sec = (time_t)(secs % 4102444800LL); /* up to 2100: gmtime_r works */
	if (v.wall.tv_sec < 0)
		v.wall.tv_sec = -v.wall.tv_sec;
	v.wall.tv_nsec = (long)(ev.ts_ns % 1000000000ull);
	memset(&place, 0, sizeof(place));
	if (size > PW_CGROUP_PATH_MAX)
		size = PW_CGROUP_PATH_MAX;
	place.path = path = fuzz_strdup(data, size);
	place.hierarchy = hierarchies[pick % 3];
	container_from_cgroup_path(place.path, &container);

	event_format_text(fuzz_out_begin(&o), &v);
	text = fuzz_out_end(&o);
	fuzz_check_printable(text, o.len);
	FUZZ_ASSERT(o.len && text[o.len - 1] == '\n' &&
			    memchr(text, '\n', o.len) == text + o.len - 1,
		    text, o.len);
	free(text);

	FUZZ_ASSERT(event_format_json(fuzz_out_begin(&o), &v) == 0, NULL, 0);
	text = fuzz_out_end(&o);
	fuzz_check_json(text, o.len, 1);
	free(text);
	free(path);
	return 0;
}
