/* tsns-stage's plan parser (PROTOCOL.md, "Phases and words"): argv words into a struct plan. It
 * returns an error instead of exiting, so that a fuzzing harness (fuzz/plan_fuzz.c) can call it again
 * and again; a bad word unwinds to plan_parse with longjmp (nothing is allocated on the way). */
#include "stage.h"

#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

const struct ns_type stage_ns_types[STAGE_NS_COUNT] = {
	{ "mnt", CLONE_NEWNS },     { "uts", CLONE_NEWUTS }, { "ipc", CLONE_NEWIPC },
	{ "net", CLONE_NEWNET },    { "pid", CLONE_NEWPID }, { "user", CLONE_NEWUSER },
	{ "cgroup", CLONE_NEWCGROUP }, { "time", CLONE_NEWTIME },
};
#define USER_INDEX STAGE_USER_INDEX

/* The parse under way: where a failure goes, and its message. */
static jmp_buf *failed;
static char *error;
static size_t error_len;

static void __attribute__((noreturn)) fail(const char *msg)
{
	snprintf(error, error_len, "%s", msg);
	longjmp(*failed, 1);
}

/* A plan word the TypeScript side should never produce. */
static void __attribute__((noreturn)) bad_word(const char *word)
{
	snprintf(error, error_len, "internal error: bad stage word '%s'", word);
	longjmp(*failed, 1);
}

static int ns_index(const char *name, size_t len)
{
	for (int i = 0; i < STAGE_NS_COUNT; i++)
		if (strlen(stage_ns_types[i].name) == len && strncmp(stage_ns_types[i].name, name, len) == 0)
			return i;
	return -1;
}

static int parse_ns_list(const char *word, const char *list)
{
	int mask = 0;
	while (*list) {
		size_t len = strcspn(list, ",");
		int i = ns_index(list, len);
		if (i < 0)
			bad_word(word);
		mask |= stage_ns_types[i].flag;
		list += len;
		if (*list == ',')
			list++;
	}
	if (!mask)
		bad_word(word);
	return mask;
}

static long parse_long(const char *word, const char *text, long min, long max)
{
	char *end;
	errno = 0;
	long v = strtol(text, &end, 10);
	if (errno || end == text || *end || v < min || v > max)
		bad_word(word);
	return v;
}

/* INNER OUTER COUNT, numbers separated by single spaces (written to uid_map as it is). */
static const char *id_map_line(const char *word, const char *v)
{
	const char *s = v;
	for (int field = 0; field < 3; field++) {
		if (*s < '0' || *s > '9')
			bad_word(word);
		while (*s >= '0' && *s <= '9')
			s++;
		if (field < 2 && *s++ != ' ')
			bad_word(word);
	}
	if (*s)
		bad_word(word);
	return v;
}

/* A time offset in seconds: an optional sign and digits (the kernel checks the range). */
static const char *offset(const char *word, const char *v)
{
	const char *s = v + (*v == '-' || *v == '+');
	if (!*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 19)
		bad_word(word);
	return v;
}

static const char *value_of(const char *word, const char *key)
{
	size_t n = strlen(key);
	if (strncmp(word, key, n) == 0 && word[n] == '=')
		return word + n + 1;
	return NULL;
}

static void parse_plan(int argc, char **argv, struct plan *p)
{
	memset(p, 0, sizeof *p);
	p->sync_fd = -1;
	int i;
	for (i = 1; i < argc; i++) {
		const char *w = argv[i], *v;
		if (strcmp(w, "--") == 0)
			break;
		if ((v = value_of(w, "pidfd")))
			p->pidfd_pid = (pid_t)parse_long(w, v, 1, INT_MAX);
		else if ((v = value_of(w, "pid-start")))
			p->pid_start = v;
		else if ((v = value_of(w, "nsof")))
			p->nsof_mask |= parse_ns_list(w, v);
		else if ((v = value_of(w, "ns"))) {
			const char *colon = strchr(v, ':');
			int idx = colon ? ns_index(v, (size_t)(colon - v)) : -1;
			if (idx < 0 || !colon[1])
				bad_word(w);
			p->ns_path[idx] = colon + 1;
		} else if ((v = value_of(w, "ns-id"))) {
			const char *colon = strchr(v, ':');
			int idx = colon ? ns_index(v, (size_t)(colon - v)) : -1;
			if (idx < 0)
				bad_word(w);
			p->ns_id[idx] = (unsigned long long)parse_long(w, colon + 1, 1, LONG_MAX);
		} else if ((v = value_of(w, "close-fd"))) {
			if (p->close_fd_count == STAGE_MAX_CLOSE_FDS)
				bad_word(w);
			p->close_fds[p->close_fd_count++] = (int)parse_long(w, v, 3, INT_MAX);
		} else if (strcmp(w, "user-parent") == 0)
			p->user_parent = true;
		else if ((v = value_of(w, "root")))
			p->root = v;
		else if ((v = value_of(w, "wd")))
			p->wd = v;
		else if ((v = value_of(w, "wdns")))
			p->wdns = v;
		else if ((v = value_of(w, "cgroup-procs"))) {
			if (p->cgroup_count == STAGE_MAX_CGROUPS)
				bad_word(w);
			p->cgroup_procs[p->cgroup_count++] = v;
		}
		else if ((v = value_of(w, "unshare")))
			p->unshare_mask |= parse_ns_list(w, v);
		else if ((v = value_of(w, "propagation"))) {
			if (strcmp(v, "private") && strcmp(v, "shared") && strcmp(v, "slave"))
				bad_word(w);
			p->propagation = v;
		} else if ((v = value_of(w, "sync")))
			p->sync_fd = (int)parse_long(w, v, 0, INT_MAX);
		else if ((v = value_of(w, "setup")) && *v == '/')
			p->setup = v;
		else if ((v = value_of(w, "setup-arg"))) {
			if (p->setup_argc == STAGE_MAX_SETUP_ARGS)
				bad_word(w);
			p->setup_args[p->setup_argc++] = v;
		} else if (strcmp(w, "clear-env") == 0)
			p->clear_env = true;
		else if ((v = value_of(w, "setgroups"))) {
			if (strcmp(v, "allow") && strcmp(v, "deny"))
				bad_word(w);
			p->self_setgroups = v;
		} else if ((v = value_of(w, "uid-map")))
			p->self_uid_map = id_map_line(w, v);
		else if ((v = value_of(w, "gid-map")))
			p->self_gid_map = id_map_line(w, v);
		else if ((v = value_of(w, "monotonic")))
			p->self_monotonic = offset(w, v);
		else if ((v = value_of(w, "boottime")))
			p->self_boottime = offset(w, v);
		else if (strcmp(w, "fork") == 0)
			p->fork = true;
		else if (strcmp(w, "pty") == 0)
			p->pty = true;
		else if ((v = value_of(w, "kill-child")))
			p->kill_child_signal = (int)parse_long(w, v, 1, _NSIG - 1);
		else if (strcmp(w, "forward-signals") == 0)
			p->forward_signals = true;
		else if ((v = value_of(w, "mount-proc")))
			p->mount_proc = v;
		else if ((v = value_of(w, "hostname")))
			p->hostname = v;
		else if ((v = value_of(w, "chroot")))
			p->chroot = v;
		else if ((v = value_of(w, "mount-binfmt")))
			p->mount_binfmt = v;
		else if ((v = value_of(w, "load-interp")))
			p->load_interp = v;
		else if ((v = value_of(w, "owner-uid"))) {
			p->owner_uid = (uid_t)parse_long(w, v, 0, UINT_MAX - 1);
			p->have_owner_uid = true;
		} else if ((v = value_of(w, "owner-gid"))) {
			p->owner_gid = (gid_t)parse_long(w, v, 0, UINT_MAX - 1);
			p->have_owner_gid = true;
		}
		else if (strcmp(w, "preserve-credentials") == 0)
			p->preserve_credentials = true;
		else if (strcmp(w, "keep-caps") == 0)
			p->keep_caps = true;
		else if ((v = value_of(w, "uid"))) {
			p->uid = (uid_t)parse_long(w, v, 0, UINT_MAX - 1);
			p->have_uid = true;
		} else if ((v = value_of(w, "gid"))) {
			p->gid = (gid_t)parse_long(w, v, 0, UINT_MAX - 1);
			p->have_gid = true;
		} else if ((v = value_of(w, "keep-fd"))) {
			if (p->keep_fd_count == STAGE_MAX_KEEP_FDS)
				bad_word(w);
			p->keep_fds[p->keep_fd_count++] = (int)parse_long(w, v, 3, INT_MAX);
		}
		else if ((v = value_of(w, "argv0")))
			p->argv0 = v;
		else if ((v = value_of(w, "tree-ns")))
			p->tree_ns = v;
		else if ((v = value_of(w, "tree-ns-id")))
			p->tree_ns_id = (unsigned long long)parse_long(w, v, 1, LONG_MAX);
		else if ((v = value_of(w, "tree-at")))
			p->tree_at = v;
		else if ((v = value_of(w, "scratch")))
			p->scratch = v;
		else if ((v = value_of(w, "tree-bind"))) {
			const char *colon = strchr(v, ':');
			if (!colon || colon == v || !colon[1] || p->tree_bind_count == STAGE_MAX_TREE_BINDS || (size_t)(colon - v) >= 256)
				bad_word(w);
			p->tree_binds[p->tree_bind_count].from = v;
			p->tree_binds[p->tree_bind_count].from_len = (size_t)(colon - v);
			p->tree_binds[p->tree_bind_count++].to = colon + 1;
		} else if ((v = value_of(w, "mount-sysfs")))
			p->mount_sysfs = v;
		else if (strcmp(w, "user-last") == 0)
			p->user_last = true;
		else if ((v = value_of(w, "fallback")))
			p->fallback = v;
		else
			bad_word(w);
	}
	if (i >= argc - 1)
		fail("internal error: the stage got no program to run");
	p->argv = argv + i + 1;
	if (p->nsof_mask && !p->pidfd_pid)
		bad_word("nsof without pidfd");
	if (p->have_owner_uid != p->have_owner_gid)
		bad_word("owner-uid and owner-gid go together");
	if (p->setup && p->sync_fd >= 0)
		bad_word("setup and sync go separately");
	if (p->setup_argc && !p->setup)
		bad_word("setup-arg without setup");
	if (p->user_parent && !p->ns_path[USER_INDEX] && !(p->nsof_mask & CLONE_NEWUSER))
		bad_word("user-parent without a user namespace");
	if ((p->tree_ns != NULL) != (p->tree_at != NULL) || (p->scratch && !p->tree_ns))
		bad_word("tree-ns and tree-at go together");
	if (p->user_last && (!p->ns_path[USER_INDEX] || (p->nsof_mask & CLONE_NEWUSER) || !p->fork))
		bad_word("user-last needs ns=user and fork");
}

int plan_parse(int argc, char **argv, struct plan *p, char *err, size_t err_len)
{
	jmp_buf here;
	failed = &here;
	error = err;
	error_len = err_len;
	if (setjmp(here))
		return -1;
	parse_plan(argc, argv, p);
	return 0;
}
