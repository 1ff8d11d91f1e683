/* The plan the TypeScript side hands the stage (see PROTOCOL.md), parsed from argv by stage.c.
 * stage.c (open, join, credentials, exec), create.c (unshare, sync, mount-proc, hostname) and
 * supervise.c (fork, the waiting parent) share it; keep it plain data. */
#ifndef TSNS_STAGE_H
#define TSNS_STAGE_H

#include <stdbool.h>
#include <sys/types.h>
#include <termios.h>

#define STAGE_NS_COUNT 8          /* mnt uts ipc net pid user cgroup time */
#define STAGE_USER_INDEX 5         /* user, in stage_ns_types[] */
#define STAGE_EXIT_FAILURE 125     /* the stage itself failed before exec */
#define STAGE_MAX_CGROUPS 32       /* cgroup v1 hierarchies plus the unified one */
#define STAGE_MAX_CLOSE_FDS 16
#define STAGE_MAX_KEEP_FDS 4096   /* keep-fd= words */
#define STAGE_MAX_TREE_BINDS 8     /* tree-bind= words */
#define STAGE_MAX_SETUP_ARGS 16    /* setup-arg= words */

struct plan {
	/* open + join */
	pid_t pidfd_pid;               /* pidfd=PID, 0 if none */
	const char *pid_start;         /* pid-start=TICKS: starttime the PID must still have, or NULL */
	int nsof_mask;                 /* nsof=...: CLONE_NEW* mask joined through the pidfd */
	const char *ns_path[STAGE_NS_COUNT]; /* ns=TYPE:PATH, indexed like stage_ns_types[] */
	unsigned long long ns_id[STAGE_NS_COUNT]; /* ns-id=TYPE:INODE the opened file must have, 0 = any */
	bool user_parent;
	int close_fds[STAGE_MAX_CLOSE_FDS];  /* close-fd=N: inherited fds an ns=...:/proc/self/fd/N named */
	int close_fd_count;
	const char *root, *wd, *wdns;
	const char *cgroup_procs[STAGE_MAX_CGROUPS]; /* cgroup-procs=PATH, one per hierarchy */
	int cgroup_count;
	/* create */
	int unshare_mask;
	const char *propagation;       /* private|shared|slave, NULL = unchanged */
	int sync_fd;                   /* -1 if none */
	const char *setup;             /* setup=PROGRAM: forked before unsharing, the sync's other end */
	const char *setup_args[STAGE_MAX_SETUP_ARGS]; /* setup-arg=ARG */
	int setup_argc;
	bool clear_env;                /* clear-env: the command gets an empty environment */
	/* Written to our own /proc/self files right after unshare (what the kernel takes from the
	 * process itself: one line mapping its own id, setgroups, time offsets), or NULL. */
	const char *self_setgroups, *self_uid_map, *self_gid_map, *self_monotonic, *self_boottime;
	bool fork;
	bool pty;                      /* pty: a terminal of its own when fd 0 is one (pty.c) */
	int kill_child_signal;         /* 0 if none */
	bool forward_signals;
	const char *mount_proc;        /* DIR or NULL */
	const char *hostname;          /* or NULL */
	const char *chroot;            /* chroot=DIR: new root by path, after unshare (create.c), or NULL */
	const char *mount_binfmt;      /* mount-binfmt=DIR: a binfmt_misc of the new user namespace, or NULL */
	const char *load_interp;       /* load-interp=RULE: written to DIR/register, or NULL */
	bool have_owner_uid, have_owner_gid; /* owner-uid=, owner-gid=: become them just before unshare */
	uid_t owner_uid;
	gid_t owner_gid;
	/* debug (debug.c) */
	const char *tree_ns;           /* tree-ns=PATH: the mount namespace whose tree is copied, or NULL */
	unsigned long long tree_ns_id; /* tree-ns-id=INODE it must have, 0 = any */
	const char *tree_at;           /* tree-at=DIR: where the copy is attached */
	const char *scratch;           /* scratch=DIR: a tmpfs mounted there first (tree-at is made in it) */
	struct { const char *from, *to; size_t from_len; } tree_binds[STAGE_MAX_TREE_BINDS]; /* tree-bind=REL:DEST (REL: from_len bytes of from) */
	int tree_bind_count;
	const char *mount_sysfs;       /* mount-sysfs=DIR: after the joins, a sysfs of the joined net namespace */
	bool user_last;                /* user-last: the user namespace is joined in the child, after its mounts */
	/* credentials */
	bool preserve_credentials, keep_caps;
	bool have_uid, have_gid;
	uid_t uid;
	gid_t gid;
	/* exec */
	int keep_fds[STAGE_MAX_KEEP_FDS]; /* keep-fd=N: fds above 2 the command inherits */
	int keep_fd_count;
	const char *argv0;             /* argv0=NAME: argv[0] for PROGRAM (a login shell's "-sh"), or NULL */
	const char *fallback;          /* fallback=PATH: run instead when PROGRAM is not there, or NULL */
	char **argv;                   /* PROGRAM [ARG...], NULL-terminated */
};

struct ns_type {
	const char *name;
	int flag;                      /* CLONE_NEW* */
};
extern const struct ns_type stage_ns_types[STAGE_NS_COUNT];

/* plan.c: argv (WORD... -- PROGRAM [ARG...]) into *p; -1 with a message in err on a bad plan. p
 * points into argv afterwards. Never exits. */
int plan_parse(int argc, char **argv, struct plan *p, char *err, size_t err_len);

/* Print `tsns: ...` (with strerror(errno) when with_errno) and exit STAGE_EXIT_FAILURE. */
void stage_die(bool with_errno, const char *fmt, ...) __attribute__((noreturn, format(printf, 2, 3)));

/* supervise.c: phase 4. Forks when the plan says `fork`; the parent waits for the command, passes
 * signals on, follows its stops and ends as it ended (never returns). Returns in the child, or at
 * once without `fork`. proc_fd: our /proc (see open_all), or -1. */
void fork_if_asked(const struct plan *p, int proc_fd);
/* supervise.c: in the leader of the pty's new session, before the joins: unless the plan forks in
 * phase 4, fork now and wait for the command (passing every signal on), so that the command is not
 * the session leader. */
void lead_session(const struct plan *p);
/* End as a command ended: its exit code, or death by its signal (core dumps off). */
void stage_mirror_status(int status) __attribute__((noreturn));
void stage_mirror_signal(int sig) __attribute__((noreturn));

/* pty.c: the command's own terminal, and the relay between it and the user's. */
struct terminal {
	int master, slave;
	int out;                       /* the fd (0-2) of the user's terminal the relay writes to */
	bool is_tty[3];                /* which of fds 0-2 are the user's terminal (they get the new one) */
	struct termios saved;          /* the user's terminal settings: copied, and restored by the relay */
};
/* Phase 1: when fd 0 is a terminal, a new pty on the host with its settings and size; false when
 * fd 0 is no terminal. */
bool pty_open(struct terminal *t);
/* Right after phase 1: fork. The parent relays until the child ends and mirrors it (never returns);
 * the child returns as the leader of a new session on the new terminal. */
void pty_fork_relay(struct terminal *t, const struct plan *p);

/* The create.c hooks are called for every plan, enter's included: they must do nothing when the plan
 * has no create words. */
/* create.c: phase 3, after the joins: unshare(unshare_mask), propagation, sync with the TS side. */
void create_namespaces(const struct plan *p);
/* create.c: phase 4, in the forked child (or the stage without fork): mount-proc, hostname. */
void create_setup_child(const struct plan *p);
/* debug.c: phase 1 (open the target's mount namespace and our own way back), before the joins (copy
 * the target's tree into a new private mount namespace), after them (the target's sysfs). No-ops
 * without debug words. */
bool debug_planned(const struct plan *p);
void debug_open(const struct plan *p);
void debug_prepare(const struct plan *p);
void debug_after_joins(const struct plan *p);

/* create.c: kill-child's death signal (again: setuid/setgid clear it) and the check that the parent
 * that should send it still lives. */
void create_check_parent(const struct plan *p);

#endif
