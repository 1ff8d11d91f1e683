/* tsns-stage, the creating half (PROTOCOL.md phases 3 and 4): unshare, mount propagation, the sync
 * handshake with the TypeScript side, and what the new namespaces' first process sets up before exec
 * (its own root, /proc, hostname). stage.c calls in here; nothing here prints but one `tsns:` line. */
#include "stage.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* The sync socket stays open across the fork when the TypeScript side asked for a second round: a new
 * pid namespace only has a pid_for_children file worth pinning once its first process exists. */
static int pending_sync_fd = -1;

/* The stage's pid before `fork`: the child's parent, as long as the parent lives. */
static pid_t stage_pid;

static unsigned long propagation_flag(const char *name)
{
	if (strcmp(name, "private") == 0)
		return MS_PRIVATE;
	if (strcmp(name, "shared") == 0)
		return MS_SHARED;
	if (strcmp(name, "slave") == 0)
		return MS_SLAVE;
	stage_die(false, "unsupported propagation mode: %s", name);
}

/* The setup helper (setup=PROGRAM) we forked, or 0; reaped once it has answered for the last time. */
static pid_t setup_pid;

static void reap_setup(void)
{
	if (setup_pid > 0)
		while (waitpid(setup_pid, NULL, 0) < 0 && errno == EINTR)
			;
	setup_pid = 0;
}

/* Tell the TypeScript side where we are, wait for its answer. `0`: it refused and has said why, so
 * leave quietly with 1 (once a helper of ours has printed it); EOF or nonsense: 125. */
static char sync_round(int fd, char hello)
{
	char answer, msg[32];
	ssize_t n;
	/* `U` says which process unshared (not the one started when a pty relay forked first). */
	int len = hello == 'U' ? snprintf(msg, sizeof msg, "U%d\n", (int)getpid()) : snprintf(msg, sizeof msg, "%c", hello);

	do
		n = write(fd, msg, (size_t)len);
	while (n < 0 && errno == EINTR);
	if (n != len)
		_exit(STAGE_EXIT_FAILURE);
	do
		n = read(fd, &answer, 1);
	while (n < 0 && errno == EINTR);
	if (n == 1 && answer == '0') {
		close(fd); /* the helper ends once its end sees ours close */
		reap_setup();
		_exit(1);
	}
	if (n != 1 || (answer != '1' && answer != '2'))
		_exit(STAGE_EXIT_FAILURE);
	return answer;
}

/* setup=PROGRAM: fork, before anything is made and while we still have the caller's ids, a helper
 * that answers the sync from outside (unshare(1) forks one for newuidmap and pins the same way).
 * It gets the other end of a socketpair as fd 3, our fds 0-2, and no other fd. */
static int start_setup(const struct plan *p)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		stage_die(true, "socketpair");
	setup_pid = fork();
	if (setup_pid < 0)
		stage_die(true, "fork");
	if (setup_pid == 0) {
		if (sv[1] == 3 ? fcntl(3, F_SETFD, 0) != 0 : dup2(sv[1], 3) != 3)
			stage_die(true, "dup2");
		syscall(SYS_close_range, 4, ~0U, 0);
		char *argv[STAGE_MAX_SETUP_ARGS + 2];
		argv[0] = (char *)p->setup;
		for (int i = 0; i < p->setup_argc; i++)
			argv[i + 1] = (char *)p->setup_args[i];
		argv[p->setup_argc + 1] = NULL;
		execv(p->setup, argv);
		stage_die(true, "cannot run %s", p->setup);
	}
	close(sv[1]);
	return sv[0];
}

/* One write(2) to /proc/self/FILE, as the kernel wants it. */
static void write_self(const char *file, const char *text, const char *what)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/self/%s", file);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		stage_die(true, "cannot open %s", path);
	size_t len = strlen(text);
	if (write(fd, text, len) != (ssize_t)len)
		stage_die(true, "the kernel refused %s '%s'", what, text);
	close(fd);
}

static bool joins_something(const struct plan *p)
{
	if (p->pidfd_pid || p->nsof_mask || p->user_parent)
		return true;
	for (int i = 0; i < STAGE_NS_COUNT; i++)
		if (p->ns_path[i])
			return true;
	return false;
}

void create_namespaces(const struct plan *p)
{
	stage_pid = getpid();
	int sync_fd = p->setup ? start_setup(p) : p->sync_fd;
	/* owner-uid/gid: the new user namespace belongs to whoever creates it, so become that user first; the
	 * privileged TypeScript side still writes the maps and pins (unshare --owner's "on behalf of"). */
	if (p->have_owner_uid) {
		if (setgroups(0, NULL) < 0)
			stage_die(true, "setgroups failed");
		if (setgid(p->owner_gid) < 0)
			stage_die(true, "setgid(%u) failed", (unsigned)p->owner_gid);
		if (setuid(p->owner_uid) < 0)
			stage_die(true, "setuid(%u) failed", (unsigned)p->owner_uid);
	}
	if (p->unshare_mask && unshare(p->unshare_mask) < 0)
		stage_die(true, "unshare failed");

	if ((p->unshare_mask & CLONE_NEWNS) && p->propagation &&
	    mount("none", "/", NULL, MS_REC | propagation_flag(p->propagation), NULL) < 0)
		stage_die(true, "cannot change root filesystem propagation");

	bool self_writes = p->self_setgroups || p->self_uid_map || p->self_gid_map || p->self_monotonic || p->self_boottime;
	if (sync_fd < 0 && !self_writes)
		return;

	/* An unprivileged TypeScript side can write our uid_map, setgroups and timens_offsets, and
	 * newuidmap accepts us, only while /proc/SELF belongs to our uid: that needs dumpable. Nothing was
	 * joined, so there is nobody to hide from; with joins we stay non-dumpable (root only). With
	 * owner-uid the TypeScript side is privileged and the stage already runs as the owner, who must
	 * not be able to ptrace it while its maps and pins are made: non-dumpable too. */
	bool dumpable = !joins_something(p) && !p->have_owner_uid;
	if (dumpable && prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
		stage_die(true, "prctl(PR_SET_DUMPABLE)");

	/* What the kernel takes from ourselves, as unshare(1) writes it (setgroups before gid_map). */
	if (p->self_setgroups)
		write_self("setgroups", p->self_setgroups, "setgroups");
	if (p->self_uid_map)
		write_self("uid_map", p->self_uid_map, "uid map");
	if (p->self_gid_map)
		write_self("gid_map", p->self_gid_map, "gid map");
	if (p->self_monotonic || p->self_boottime) {
		char offsets[128] = "";
		if (p->self_monotonic)
			snprintf(offsets, sizeof offsets, "1 %s 0\n", p->self_monotonic);
		if (p->self_boottime)
			snprintf(offsets + strlen(offsets), sizeof offsets - strlen(offsets), "7 %s 0\n", p->self_boottime);
		write_self("timens_offsets", offsets, "time offsets");
	}

	char answer = sync_fd >= 0 ? sync_round(sync_fd, 'U') : '1';

	if (dumpable && prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		stage_die(true, "prctl(PR_SET_DUMPABLE)");
	if (sync_fd < 0)
		return;

	if (answer == '2' && p->fork) {
		pending_sync_fd = sync_fd;
		return; /* the helper answers the forked child too; the waiting parent reaps it */
	}
	close(sync_fd);
	/* Done with it: reaped now, so that it never becomes a child of the command (without fork the
	 * stage becomes the command). */
	reap_setup();
}

#define BINFMT_MISC "/proc/sys/fs/binfmt_misc"

static void mount_binfmt(const char *dir)
{
	if (mount("binfmt_misc", dir, "binfmt_misc", MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL) < 0)
		stage_die(true, "mount binfmt_misc on %s failed", dir);
}

/* One rule, one write(2), as binfmt_misc's register file wants it. */
static void load_interp(const char *dir, const char *rule)
{
	char path[4096];
	if ((size_t)snprintf(path, sizeof path, "%s/register", dir) >= sizeof path)
		stage_die(false, "binfmt_misc directory name too long: %s", dir);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		stage_die(true, "cannot open %s", path);
	size_t len = strlen(rule);
	if (write(fd, rule, len) != (ssize_t)len)
		stage_die(true, "cannot register binfmt_misc rule %s", rule);
	close(fd);
}

/* The F (fix binary) flag: the kernel opens the interpreter when the rule is loaded. */
static bool interp_is_fixed(const char *rule)
{
	const char *flags = strrchr(rule, ':');
	return flags && strchr(flags, 'F');
}

void create_check_parent(const struct plan *p)
{
	if (!p->kill_child_signal)
		return;
	/* --kill-child: set the death signal again (a change of credentials clears it). If the parent
	 * died before it was set, nobody will send it, so do not start the command at all (unshare
	 * checks the same with a pidfd). As the first process of a new pid namespace getppid() says 0:
	 * the parent is outside, and this check moot. */
	prctl(PR_SET_PDEATHSIG, p->kill_child_signal);
	pid_t parent = getppid();
	if (p->fork && parent != 0 && parent != stage_pid)
		_exit(STAGE_EXIT_FAILURE);
}

void create_setup_child(const struct plan *p)
{
	create_check_parent(p);

	if (pending_sync_fd >= 0) {
		/* We are the first process of the new pid namespace: its pid_for_children can be pinned. */
		sync_round(pending_sync_fd, 'F');
		close(pending_sync_fd);
		pending_sync_fd = -1;
	}

	/* A fixed-binary rule with a new root: load it before the chroot, so its interpreter is the one
	 * outside (unshare 2.42 does the same, on the default binfmt_misc directory). */
	bool interp_early = p->load_interp && p->chroot && interp_is_fixed(p->load_interp);
	if (interp_early) {
		mount_binfmt(BINFMT_MISC);
		load_interp(BINFMT_MISC, p->load_interp);
	}

	/* unshare(1) -R: the new root by path, now that it resolves in the new mount namespace. */
	if (p->chroot && (chroot(p->chroot) != 0 || chdir("/") != 0))
		stage_die(true, "cannot change root directory to %s", p->chroot);

	if (p->mount_proc) {
		/* Unless / was just made private, keep the new proc mount from propagating back out of
		 * this mount namespace through a shared mount at DIR (EINVAL: DIR is no mount point). */
		if ((!p->propagation || strcmp(p->propagation, "private") != 0) &&
		    mount("none", p->mount_proc, NULL, MS_REC | MS_PRIVATE, NULL) < 0 && errno != EINVAL)
			stage_die(true, "cannot change %s filesystem propagation", p->mount_proc);
		if (mount("proc", p->mount_proc, "proc", MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL) < 0)
			stage_die(true, "mount proc on %s failed", p->mount_proc);
	}

	if (p->mount_binfmt)
		mount_binfmt(p->mount_binfmt);
	if (p->load_interp && !interp_early)
		load_interp(p->mount_binfmt ? p->mount_binfmt : BINFMT_MISC, p->load_interp);

	if (p->hostname && sethostname(p->hostname, strlen(p->hostname)) < 0)
		stage_die(true, "sethostname %s failed", p->hostname);
}
