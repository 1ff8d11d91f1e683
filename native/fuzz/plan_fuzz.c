/* libFuzzer harness for the stage's plan parser (plan.c): the input is the stage's argv after
 * argv[0], NUL-separated. A plan either parses into a struct whose pointers stay inside argv and
 * whose counts stay in bounds, or is refused with an "internal error" message. Anything else
 * (a crash, a sanitizer report, a broken invariant) is a finding. Build and run: npm run fuzz. */
#include "../stage.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_WORDS 8192

static bool inside(char **argv, int argc, const char *s)
{
	for (int i = 0; i < argc; i++)
		if (s >= argv[i] && s <= argv[i] + strlen(argv[i]))
			return true;
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	static char *argv[MAX_WORDS + 2];
	int argc = 0;
	argv[argc++] = "tsns-stage";
	for (size_t at = 0; at <= size && argc < MAX_WORDS; at += strlen(text + at) + 1)
		argv[argc++] = text + at;
	argv[argc] = NULL;

	static struct plan p;
	char err[512];
	if (plan_parse(argc, argv, &p, err, sizeof err) == 0) {
		if (!p.argv || !p.argv[0] || p.argv < argv || p.argv >= argv + argc)
			__builtin_trap();
		if (p.keep_fd_count > STAGE_MAX_KEEP_FDS || p.close_fd_count > STAGE_MAX_CLOSE_FDS || p.cgroup_count > STAGE_MAX_CGROUPS)
			__builtin_trap();
		for (int i = 0; i < STAGE_NS_COUNT; i++)
			if (p.ns_path[i] && !inside(argv, argc, p.ns_path[i]))
				__builtin_trap();
		if ((p.nsof_mask && !p.pidfd_pid) || p.have_owner_uid != p.have_owner_gid)
			__builtin_trap();
	} else if (strncmp(err, "internal error: ", 16) != 0) {
		/* (A newline in the message is the word's: the stage's printer escapes it.) */
		__builtin_trap();
	}
	free(text);
	return 0;
}
