/* tsns-stage: the single-threaded exec stage (see PROTOCOL.md). It carries out a plan that the
 * TypeScript side built: open everything, join, (create), fork if asked, set credentials and place,
 * close stray fds, exec. It decides nothing the plan did not say. */
#include "stage.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef NS_GET_USERNS
#define NS_GET_USERNS _IO(0xb7, 0x1)
#endif
#ifndef NS_GET_NSTYPE
#define NS_GET_NSTYPE _IO(0xb7, 0x3)
#endif
#ifndef PIDFD_GET_USER_NAMESPACE
#define PIDFD_GET_USER_NAMESPACE _IO(0xFF, 9)
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

#define USER_INDEX STAGE_USER_INDEX

/* `tsns: MSG` as one line: control characters (a newline in a path the user gave) are escaped as
 * \xNN, as the TypeScript side escapes them. */
static void say_line(const char *msg)
{
	char line[4200];
	size_t n = 0;
	for (const unsigned char *c = (const unsigned char *)msg; *c && n < sizeof line - 6; c++) {
		if (*c < 0x20 || *c == 0x7f)
			n += (size_t)snprintf(line + n, sizeof line - n, "\\x%02x", *c);
		else
			line[n++] = (char)*c;
	}
	line[n] = '\0';
	dprintf(STDERR_FILENO, "tsns: %s\n", line);
}

void stage_die(bool with_errno, const char *fmt, ...)
{
	char msg[1024];
	int saved = errno;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (with_errno) {
		size_t len = strlen(msg);
		snprintf(msg + len, sizeof msg - len, ": %s", strerror(saved));
	}
	say_line(msg);
	_exit(STAGE_EXIT_FAILURE);
}

/* ---- phase 0: start ---- */

static void reset_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	for (int s = 1; s < _NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP)
			sigaction(s, &sa, NULL); /* EINVAL for the libc-reserved ones: fine */
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* ---- phase 1: open ---- */

struct opened {
	int pidfd;
	int nsof_mask;         /* the plan's, less user when user-parent replaced it by a file */
	int ns_fd[STAGE_NS_COUNT];
	bool joined[STAGE_NS_COUNT];
	int root_fd, wd_fd;
	int cgroup_fd[STAGE_MAX_CGROUPS];
	int proc_fd;           /* our /proc, for the waiting parent of a new pid namespace's init */
	bool user_ns;          /* a user namespace is joined (or already ours): ids are set */
	int setgroups_errno;   /* setgroups(0, NULL) before the joins failed with this */
};

static bool same_file(int fd, const char *path)
{
	struct stat a, b;
	return fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static void check_nstype(int fd, int idx, const char *what)
{
	int type = ioctl(fd, NS_GET_NSTYPE);
	if (type < 0) {
		if (errno == ENOTTY || errno == EINVAL)
			stage_die(false, "%s is not a namespace", what);
		stage_die(true, "%s", what);
	}
	if (type != stage_ns_types[idx].flag)
		stage_die(false, "%s is not a %s namespace", what, stage_ns_types[idx].name);
}

static void check_pid_start(const struct plan *p)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)p->pidfd_pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		stage_die(false, "no process with PID %d", (int)p->pidfd_pid);
	buf[n] = 0;
	/* Field 22 (starttime), counted after the command's closing parenthesis. */
	char *s = strrchr(buf, ')');
	for (int field = 2; s && field < 22; field++)
		s = strchr(s + 1, ' ');
	if (!s || strncmp(s + 1, p->pid_start, strlen(p->pid_start)) != 0 ||
	    (s[1 + strlen(p->pid_start)] != ' ' && s[1 + strlen(p->pid_start)] != 0))
		stage_die(false, "process %d is gone", (int)p->pidfd_pid);
}

static void open_all(const struct plan *p, struct opened *o)
{
	o->pidfd = o->root_fd = o->wd_fd = o->proc_fd = -1;
	for (int i = 0; i < STAGE_NS_COUNT; i++)
		o->ns_fd[i] = -1;

	if (p->pidfd_pid) {
		o->pidfd = (int)syscall(SYS_pidfd_open, p->pidfd_pid, 0);
		if (o->pidfd < 0) {
			if (errno == ESRCH)
				stage_die(false, "no process with PID %d", (int)p->pidfd_pid);
			stage_die(true, "pidfd_open %d", (int)p->pidfd_pid);
		}
		if (p->pid_start)
			check_pid_start(p); /* the PID was not reused since the TypeScript side looked */
	}
	for (int i = 0; i < STAGE_NS_COUNT; i++) {
		if (!p->ns_path[i])
			continue;
		/* O_NONBLOCK|O_NOCTTY: a path swapped for a FIFO or a terminal since it was checked must not
		 * hang us or become our terminal; the type check below refuses it. */
		o->ns_fd[i] = open(p->ns_path[i], O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
		if (o->ns_fd[i] < 0)
			stage_die(true, "cannot open %s", p->ns_path[i]);
		check_nstype(o->ns_fd[i], i, p->ns_path[i]);
		struct stat st;
		if (p->ns_id[i] && (fstat(o->ns_fd[i], &st) != 0 || st.st_ino != p->ns_id[i]))
			stage_die(false, "%s is no longer %s:[%llu]", p->ns_path[i], stage_ns_types[i].name, p->ns_id[i]);
	}
	/* The TypeScript side's own fds, inherited only so that /proc/self/fd/N could be opened above. */
	for (int i = 0; i < p->close_fd_count; i++)
		close(p->close_fds[i]);
	o->nsof_mask = p->nsof_mask;
	if (p->user_parent) {
		o->nsof_mask &= ~CLONE_NEWUSER;
		int child = o->ns_fd[USER_INDEX];
		if (child < 0) {
			child = ioctl(o->pidfd, PIDFD_GET_USER_NAMESPACE, 0);
			if (child < 0 && (errno == ENOTTY || errno == EINVAL)) {
				/* Before Linux 6.11: by path; the pidfd (checked below by setns) pins the PID. */
				char path[64];
				snprintf(path, sizeof path, "/proc/%d/ns/user", (int)p->pidfd_pid);
				child = open(path, O_RDONLY | O_CLOEXEC);
			}
			if (child < 0)
				stage_die(true, "cannot get the user namespace of PID %d", (int)p->pidfd_pid);
		}
		int parent = ioctl(child, NS_GET_USERNS);
		if (parent < 0)
			stage_die(true, "cannot get the parent user namespace");
		close(child);
		o->ns_fd[USER_INDEX] = parent;
	}
	/* Joining the user namespace one is already in is refused by the kernel and changes nothing:
	 * count it as joined (credentials are still set), skip the setns. */
	if (o->ns_fd[USER_INDEX] >= 0 && same_file(o->ns_fd[USER_INDEX], "/proc/self/ns/user")) {
		close(o->ns_fd[USER_INDEX]);
		o->ns_fd[USER_INDEX] = -1;
		o->user_ns = true;
	}
	if (p->root) {
		o->root_fd = open(p->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (o->root_fd < 0)
			stage_die(true, "cannot open root directory %s", p->root);
	}
	if (p->wd) {
		o->wd_fd = open(p->wd, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (o->wd_fd < 0)
			stage_die(true, "cannot open working directory %s", p->wd);
	}
	for (int i = 0; i < p->cgroup_count; i++) {
		o->cgroup_fd[i] = open(p->cgroup_procs[i], O_WRONLY | O_APPEND | O_CLOEXEC);
		if (o->cgroup_fd[i] < 0)
			stage_die(true, "cannot open %s", p->cgroup_procs[i]);
	}
	/* The init of a new pid namespace ignores signals it has no handler for: the waiting parent reads
	 * which ones it handles here (the mount namespace's /proc may be the new one's by then). Only a
	 * /proc of our own pid namespace will do; without one, signals are passed on as they are. */
	if ((p->unshare_mask & CLONE_NEWPID) && p->fork) {
		char self[32], want[32];
		o->proc_fd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
		ssize_t n = o->proc_fd < 0 ? -1 : readlinkat(o->proc_fd, "self", self, sizeof self - 1);
		snprintf(want, sizeof want, "%d", (int)getpid());
		if (n <= 0 || (self[n] = 0, strcmp(self, want) != 0)) {
			if (o->proc_fd >= 0)
				close(o->proc_fd);
			o->proc_fd = -1;
		}
	}
}

/* ---- phase 2: join ---- */

static void join_file(struct opened *o, int i, bool report)
{
	if (o->ns_fd[i] < 0 || o->joined[i])
		return;
	if (setns(o->ns_fd[i], stage_ns_types[i].flag) == 0) {
		o->joined[i] = true;
		close(o->ns_fd[i]);
		o->ns_fd[i] = -1;
	} else if (report) {
		stage_die(true, "cannot join %s namespace", stage_ns_types[i].name);
	}
}

static void join_all(const struct plan *p, struct opened *o)
{
	bool want_user = o->ns_fd[USER_INDEX] >= 0 || (o->nsof_mask & CLONE_NEWUSER) || o->user_ns;
	/* As nsenter: drop supplementary groups while still privileged outside; an error counts only if
	 * it fails inside as well. */
	if (want_user && !p->preserve_credentials && setgroups(0, NULL) != 0)
		o->setgroups_errno = errno;

	/* "0" moves the writer; done before the joins, with the caller's own rights. */
	for (int i = 0; i < p->cgroup_count; i++) {
		if (write(o->cgroup_fd[i], "0", 1) != 1)
			stage_die(true, "cannot join the cgroup through %s", p->cgroup_procs[i]);
		close(o->cgroup_fd[i]);
	}
	/* An unprivileged caller gets its rights for the rest from the user namespace: join it first
	 * (unless the plan joins it last, in the child, after the mounts only our own rights allow). */
	if (geteuid() != 0 && !p->user_last)
		join_file(o, USER_INDEX, true);
	/* nsenter's passes: every file but user, errors ignored (a privileged caller joins them with its
	 * own rights: a pid namespace owned by an outer user namespace needs those); then the pidfd's
	 * namespaces in one atomic setns (the kernel installs user first); then a user file; then the files
	 * still not joined, errors fatal. */
	for (int i = 0; i < STAGE_NS_COUNT; i++)
		if (i != USER_INDEX)
			join_file(o, i, false);
	if (o->nsof_mask) {
		if (setns(o->pidfd, o->nsof_mask) != 0) {
			if (errno == ESRCH)
				stage_die(false, "process %d is gone", (int)p->pidfd_pid);
			stage_die(true, "cannot join the namespaces of process %d", (int)p->pidfd_pid);
		}
	}
	if (!p->user_last)
		join_file(o, USER_INDEX, true);
	for (int i = 0; i < STAGE_NS_COUNT; i++)
		if (i != USER_INDEX || !p->user_last)
			join_file(o, i, true);
	if (o->pidfd >= 0) {
		close(o->pidfd);
		o->pidfd = -1;
	}
	if (want_user && !p->user_last)
		o->user_ns = true;
}

/* user-last: in the child, once its mounts are made. */
static void join_user_last(const struct plan *p, struct opened *o)
{
	if (!p->user_last)
		return;
	join_file(o, USER_INDEX, true);
	o->user_ns = true;
}

/* ---- phase 5: credentials and place ---- */

static void set_place(const struct plan *p, struct opened *o)
{
	if (o->root_fd >= 0) {
		if (fchdir(o->root_fd) != 0 || chroot(".") != 0)
			stage_die(true, "cannot change root to %s", p->root);
		if (chdir("/") != 0)
			stage_die(true, "cannot change directory to /");
		close(o->root_fd);
		o->root_fd = -1;
	}
	if (o->wd_fd >= 0) {
		if (fchdir(o->wd_fd) != 0)
			stage_die(true, "cannot change directory to %s", p->wd);
		close(o->wd_fd);
		o->wd_fd = -1;
	}
	if (p->wdns && chdir(p->wdns) != 0)
		stage_die(true, "cannot change directory to %s", p->wdns);
	/* A working directory outside the (new) root would hand the command a way out (CVE-2024-21626). */
	if (o->joined[0] || (o->nsof_mask & CLONE_NEWNS) || p->root) {
		char buf[PATH_MAX];
		if (!getcwd(buf, sizeof buf) && errno == ENOENT)
			stage_die(false, "the working directory is outside the root");
	}
}

static void raise_ambient_caps(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];
	if (syscall(SYS_capget, &hdr, data) != 0)
		stage_die(true, "capget");
	for (int i = 0; i < 2; i++) {
		data[i].inheritable = data[i].permitted;
		data[i].effective = data[i].permitted;
	}
	if (syscall(SYS_capset, &hdr, data) != 0)
		stage_die(true, "capset");
	for (int cap = 0; cap < 64; cap++)
		if (data[cap / 32].permitted & (1U << (cap % 32)))
			prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0);
}

static void set_credentials(const struct plan *p, const struct opened *o)
{
	bool set_ids = o->user_ns && !p->preserve_credentials;
	bool do_gid = set_ids || p->have_gid, do_uid = set_ids || p->have_uid;
	if (p->keep_caps)
		prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0);
	if (do_gid) {
		/* In a user namespace (joined or created) whose setgroups says deny, there are no groups to drop. */
		bool in_userns = o->user_ns || (p->unshare_mask & CLONE_NEWUSER);
		/* A caller with no supplementary groups has nothing to drop: a refusal (a rootless user
		 * namespace, whose setgroups says deny) changes nothing, so it is no error (nsenter fails). */
		if (setgroups(0, NULL) != 0 && (o->setgroups_errno || !in_userns) && getgroups(0, NULL) != 0)
			stage_die(true, "setgroups");
		if (setgid(p->gid) != 0)
			stage_die(true, "setgid %u", (unsigned)p->gid);
	}
	if (do_uid && setuid(p->uid) != 0)
		stage_die(true, "setuid %u", (unsigned)p->uid);
	if (p->keep_caps)
		raise_ambient_caps();
}

/* ---- phase 6: exec ---- */

static int exec_search(const char *program, char **argv);

/* mnt_joined: PROGRAM was looked for in the target's files; in_target: in its files or its root. */
static void __attribute__((noreturn)) exec_program(const struct plan *p, bool mnt_joined, bool in_target)
{
	if (syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC) != 0) {
		/* Kernels before 5.11: mark them one by one. */
		for (int fd = 3; fd < 65536; fd++)
			fcntl(fd, F_SETFD, FD_CLOEXEC);
	}
	for (int i = 0; i < p->keep_fd_count; i++) {
		int flags = fcntl(p->keep_fds[i], F_GETFD);
		if (flags >= 0)
			fcntl(p->keep_fds[i], F_SETFD, flags & ~FD_CLOEXEC);
	}
	const char *program = p->argv[0];
	if (p->argv0)
		p->argv[0] = (char *)p->argv0;
	/* unshare's --clear-env: the stage itself kept the caller's environment for the setup child (and
	 * the PATH search falls back to a default one). */
	if (p->clear_env)
		clearenv();
	int err = exec_search(program, p->argv);
	char msg[1024];
	if (err == ENOENT && p->fallback) {
		/* The default shell is not there (a busybox or distroless target): the fallback, said so.
		 * Decided by the exec itself: nothing in the target was looked at before. */
		if (in_target)
			snprintf(msg, sizeof msg, "%s is not in the target's filesystem: running %s there", program, p->fallback);
		else
			snprintf(msg, sizeof msg, "%s: %s: running %s", program, strerror(err), p->fallback);
		say_line(msg);
		char login[256];
		const char *base = strrchr(p->fallback, '/');
		snprintf(login, sizeof login, "-%s", base ? base + 1 : p->fallback);
		p->argv[0] = p->argv0 ? login : (char *)p->fallback;
		program = p->fallback;
		err = exec_search(program, p->argv);
	}
	const char *what = err == ENOENT && !strchr(program, '/') ? "command not found" : strerror(err);
	if (err == ENOENT && mnt_joined)
		snprintf(msg, sizeof msg, "%s: %s in the target's filesystem (the mount namespace was entered; without --mount the host's programs run)", program, what);
	else
		snprintf(msg, sizeof msg, "%s: %s", program, what);
	say_line(msg);
	_exit(err == ENOENT ? 127 : 126);
}

extern char **environ;

/* execve, falling back to sh for a script without #! (as execvp does). Returns errno. */
static int try_exec(const char *path, char **argv)
{
	execve(path, argv, environ);
	int err = errno;
	if (err == ENOEXEC) {
		int n = 0;
		while (argv[n])
			n++;
		char *sh_argv[n + 2];
		sh_argv[0] = "sh";
		sh_argv[1] = (char *)path;
		for (int i = 1; i <= n; i++)
			sh_argv[i + 1] = argv[i];
		execve("/bin/sh", sh_argv, environ);
	}
	return err;
}

/* execvp's search, except that a PATH directory we may not search (the host's, seen from a user
 * namespace that does not map its owner) means "not there", not "not executable": a command that
 * is nowhere gets 127, one that exists but cannot run gets 126. Returns errno. */
static int exec_search(const char *program, char **argv)
{
	if (strchr(program, '/'))
		return try_exec(program, argv);
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin";
	int found_err = ENOENT;
	size_t plen = strlen(program);
	while (*path) {
		size_t dlen = strcspn(path, ":");
		char full[PATH_MAX];
		if (dlen + 1 + plen + 1 <= sizeof full) {
			if (dlen)
				memcpy(full, path, dlen);
			else
				full[dlen++] = '.';
			full[dlen] = '/';
			memcpy(full + dlen + 1, program, plen + 1);
			int err = try_exec(full, argv);
			struct stat st;
			if (err != ENOENT && err != ENOTDIR && stat(full, &st) == 0)
				found_err = err; /* it is there but would not run: remember, keep looking */
		}
		path += strcspn(path, ":");
		if (*path == ':')
			path++;
	}
	return found_err;
}
int main(int argc, char **argv)
{
	/* From here to exec, no process in the target may ptrace us or open our /proc files. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		stage_die(true, "prctl(PR_SET_DUMPABLE)");
	reset_signals();

	struct plan plan;
	char error[512];
	if (plan_parse(argc, argv, &plan, error, sizeof error) != 0)
		stage_die(false, "%s", error);

	struct opened o;
	memset(&o, 0, sizeof o);
	open_all(&plan, &o);
	struct terminal term;
	if (plan.pty && pty_open(&term))
		pty_fork_relay(&term, &plan);
	/* After the relay forked off (it keeps nothing of the target's): the target's tree, copied into a
	 * private mount namespace, before the joins. */
	debug_open(&plan);
	debug_prepare(&plan);
	join_all(&plan, &o);
	debug_after_joins(&plan);
	create_namespaces(&plan);
	fork_if_asked(&plan, o.proc_fd);
	create_setup_child(&plan);
	join_user_last(&plan, &o);
	set_place(&plan, &o);
	set_credentials(&plan, &o);
	create_check_parent(&plan);
	bool mnt_joined = o.joined[0] || (o.nsof_mask & CLONE_NEWNS);
	exec_program(&plan, mnt_joined, mnt_joined || plan.root);
}
