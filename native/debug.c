/* tsns-stage, the debug half (PROTOCOL.md, "Debug"): the target's whole mount tree as a detached copy,
 * attached in a new private mount namespace made from the host's, with the target's /etc files over
 * the host's and a sysfs of the target's network namespace. Neither the host's nor the target's mount
 * table changes: every mount here is made in the private namespace, which ends with the stage.
 * stage.c calls in here; nothing here prints but one `tsns:` line. */
#include "stage.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_open_tree
#define SYS_open_tree 428
#endif
#ifndef SYS_move_mount
#define SYS_move_mount 429
#endif
#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef OPEN_TREE_CLOEXEC
#define OPEN_TREE_CLOEXEC O_CLOEXEC
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif
#ifndef NS_GET_NSTYPE
#define NS_GET_NSTYPE _IO(0xb7, 0x3)
#endif

struct open_how_compat {
	unsigned long long flags, mode, resolve;
};
#define RESOLVE_NO_MAGICLINKS 0x02
#define RESOLVE_IN_ROOT 0x10

static int tree_ns_fd = -1;   /* the target's mount namespace */
static int host_ns_fd = -1;   /* ours, to come back to */
static int host_root_fd = -1; /* our root and working directory, to stand in again after coming back */
static int host_cwd_fd = -1;
static int tree_fd = -1;      /* the detached copy of the target's tree, once cloned */

bool debug_planned(const struct plan *p)
{
	return p->tree_ns != NULL;
}

void debug_open(const struct plan *p)
{
	if (!debug_planned(p))
		return;
	tree_ns_fd = open(p->tree_ns, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (tree_ns_fd < 0)
		stage_die(true, "cannot open %s", p->tree_ns);
	int type = ioctl(tree_ns_fd, NS_GET_NSTYPE);
	if (type != CLONE_NEWNS)
		stage_die(false, "%s is not a mnt namespace", p->tree_ns);
	struct stat st;
	if (p->tree_ns_id && (fstat(tree_ns_fd, &st) != 0 || st.st_ino != p->tree_ns_id))
		stage_die(false, "%s is no longer mnt:[%llu]", p->tree_ns, p->tree_ns_id);
	host_ns_fd = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	host_root_fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	host_cwd_fd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (host_ns_fd < 0 || host_root_fd < 0 || host_cwd_fd < 0)
		stage_die(true, "cannot open our own mount namespace");
}

/* The target's tree, cloned from inside its mount namespace (from outside the kernel refuses with
 * EINVAL: the source mount belongs to another namespace), then back home. */
static void clone_tree(void)
{
	if (setns(tree_ns_fd, CLONE_NEWNS) != 0)
		stage_die(true, "cannot enter the target's mount namespace");
	tree_fd = (int)syscall(SYS_open_tree, AT_FDCWD, "/", OPEN_TREE_CLONE | AT_RECURSIVE | OPEN_TREE_CLOEXEC);
	int saved = errno;
	if (setns(host_ns_fd, CLONE_NEWNS) != 0)
		stage_die(true, "cannot come back to our mount namespace");
	/* setns put us at the namespace's root: stand where we stood (a chroot of the caller's stays). */
	if (fchdir(host_root_fd) != 0 || chroot(".") != 0 || fchdir(host_cwd_fd) != 0)
		stage_die(true, "cannot come back to our root directory");
	if (tree_fd < 0) {
		errno = saved;
		if (errno == ENOSYS)
			stage_die(false, "this kernel has no open_tree (Linux 5.2 or later is needed to copy the target's files)");
		stage_die(true, "cannot copy the target's mount tree");
	}
	close(tree_ns_fd);
	close(host_root_fd);
	close(host_cwd_fd);
	close(host_ns_fd);
}

/* An O_PATH handle of `rel` inside the copied tree, resolved as if the tree were / (its own absolute
 * symlinks stay inside it), or -1. */
static int open_in_tree(const char *rel)
{
	struct open_how_compat how = { O_PATH | O_CLOEXEC, 0, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
	return (int)syscall(SYS_openat2, tree_fd, rel, &how, sizeof how);
}

/* Bind the tree's file `rel` over `dest` (a host path, in the private namespace), when both exist and
 * are regular files: the host's file is covered here only, never created. */
static void bind_from_tree(const char *from, size_t from_len, const char *dest)
{
	struct stat st_dest, st_src;
	char rel[256];
	snprintf(rel, sizeof rel, "%.*s", (int)from_len, from);
	if (stat(dest, &st_dest) != 0 || !S_ISREG(st_dest.st_mode))
		return;
	int src = open_in_tree(rel);
	if (src < 0)
		return;
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", src);
	if (fstat(src, &st_src) == 0 && S_ISREG(st_src.st_mode) && mount(path, dest, NULL, MS_BIND, NULL) != 0)
		stage_die(true, "cannot put the target's %s over %s", rel, dest);
	close(src);
}

void debug_prepare(const struct plan *p)
{
	if (!debug_planned(p))
		return;
	clone_tree();
	/* A private copy of our own mount namespace: / and every host program as they are. Made private
	 * before anything is mounted, so nothing propagates back to the host's peers. */
	if (unshare(CLONE_NEWNS) != 0)
		stage_die(true, "cannot make a private mount namespace");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
		stage_die(true, "cannot make the private mount namespace private");
	if (p->scratch) {
		if (mount("tmpfs", p->scratch, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=64k") != 0)
			stage_die(true, "cannot mount a scratch tmpfs on %s", p->scratch);
		if (mkdir(p->tree_at, 0755) != 0 && errno != EEXIST)
			stage_die(true, "cannot make %s", p->tree_at);
	}
	if (syscall(SYS_move_mount, tree_fd, "", AT_FDCWD, p->tree_at, MOVE_MOUNT_F_EMPTY_PATH) != 0)
		stage_die(true, "cannot attach the target's files at %s", p->tree_at);
	/* The copy keeps the target's peer groups: as a slave, the target's later mounts still show here,
	 * but nothing mounted here reaches the target. */
	if (mount(NULL, p->tree_at, NULL, MS_REC | MS_SLAVE, NULL) != 0)
		stage_die(true, "cannot make the target's files at %s a slave", p->tree_at);
	for (int i = 0; i < p->tree_bind_count; i++)
		bind_from_tree(p->tree_binds[i].from, p->tree_binds[i].from_len, p->tree_binds[i].to);
	close(tree_fd);
	tree_fd = -1;
}

void debug_after_joins(const struct plan *p)
{
	/* sysfs shows the network namespace of whoever mounts it: we are in the target's now. */
	if (p->mount_sysfs && mount("sysfs", p->mount_sysfs, "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY, NULL) != 0)
		stage_die(true, "cannot mount the target's sysfs on %s", p->mount_sysfs);
}
