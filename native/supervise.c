/* tsns-stage, phase 4 (PROTOCOL.md): fork, and the parent that stays for the command's life. It
 * passes on the signals a terminal or a supervisor sends it, follows the command's stops (job
 * control), and ends as the command ended. Nothing here prints but one `tsns:` line. */
#include "stage.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#ifndef SYS_close_range
#define SYS_close_range 436
#endif

/* What a terminal or a supervisor sends. SIGINT and SIGTERM go on only with `forward-signals`
 * (without it, as unshare 2.42, the waiting parent ignores them: no "impatient parent"). SIGTSTP too:
 * `kill -TSTP` of the stage stops the command, and the stage follows it. */
static const int passed_signals[] = { SIGHUP, SIGINT, SIGTERM, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM, SIGWINCH, SIGTSTP };

struct command {
	pid_t pid;
	bool own_group;   /* it leads a process group of its own, which has the terminal */
	int tty;          /* that terminal, or -1 */
	bool init;        /* the first process of a pid namespace the stage made */
	int proc_fd;      /* the stage's own /proc, to read which signals that init handles; or -1 */
	int spared;       /* the signal the init got SIGKILL for in its place, or 0 */
	bool pass_all;    /* SIGINT and SIGTERM go on too (forward-signals, or we stand for the command) */
};

void stage_mirror_signal(int sig)
{
	struct rlimit no_core = { 0, 0 };
	setrlimit(RLIMIT_CORE, &no_core); /* the command already dumped if it was going to */
	signal(sig, SIG_DFL);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(sig);
	_exit(128 + sig); /* a signal whose default is not to die */
}

void stage_mirror_status(int status)
{
	if (WIFEXITED(status))
		_exit(WEXITSTATUS(status));
	stage_mirror_signal(WTERMSIG(status));
}

static int controlling_tty(void)
{
	for (int fd = 0; fd <= 2; fd++)
		if (isatty(fd) && tcgetpgrp(fd) == getpgrp())
			return fd;
	return -1;
}

/* The kernel sends a process group the terminal's keys and a hangup's SIGHUP (once the session
 * leader is gone), and the session leader its hangup. A kernel signal we got as a member of a group
 * the command shares has reached the command already. */
static bool reached_command(const struct command *c, const siginfo_t *si)
{
	return si->si_code == SI_KERNEL && !c->own_group && getsid(0) != getpid();
}

/* An init (PID 1 of its pid namespace) is spared every signal it has no handler for, but SIGKILL and
 * SIGSTOP from outside: a hangup would leave it running where any other command dies. True when the
 * signal's default action (death or stop) is what the command would get: it neither catches nor
 * ignores it (SigCgt, SigIgn of /proc/PID/status). */
static bool init_spared(const struct command *c, int sig)
{
	if (!c->init || c->proc_fd < 0 || sig == SIGWINCH)
		return false;
	char name[32], buf[4096];
	snprintf(name, sizeof name, "%d/status", (int)c->pid);
	int fd = openat(c->proc_fd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = 0;
	const char *ign = strstr(buf, "\nSigIgn:\t"), *cgt = strstr(buf, "\nSigCgt:\t");
	if (!ign || !cgt)
		return false;
	unsigned long long handled = strtoull(ign + 9, NULL, 16) | strtoull(cgt + 9, NULL, 16);
	return !(handled & (1ULL << (sig - 1)));
}

static void pass_on(struct command *c, int sig)
{
	if (init_spared(c, sig)) {
		bool stop = sig == SIGTSTP;
		if (!stop)
			c->spared = sig;
		kill(c->pid, stop ? SIGSTOP : SIGKILL);
		return;
	}
	kill(c->own_group ? -c->pid : c->pid, sig);
}

/* Every fd above 2 but `keep` (-1: none). */
static void close_fds_but(int keep)
{
	if (keep < 3) {
		syscall(SYS_close_range, 3, ~0U, 0);
		return;
	}
	if (keep > 3)
		syscall(SYS_close_range, 3, keep - 1, 0);
	syscall(SYS_close_range, keep + 1, ~0U, 0);
}

/* The parent: waits for the command, passes signals on, follows its stops, and ends as it ended. */
static void __attribute__((noreturn)) parent_wait(struct command *c, sigset_t *waitset)
{
	/* The parent holds nothing the command might wait on (a pipe's write end, say). */
	close_fds_but(c->proc_fd);
	if (c->own_group)
		setpgid(c->pid, c->pid); /* also done in the child; whichever runs first */
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(waitset, &si);
		if (sig < 0)
			continue; /* EINTR (after a stop and continue) */
		if (sig != SIGCHLD) {
			if ((sig == SIGINT || sig == SIGTERM) && !c->pass_all)
				continue;
			if (!reached_command(c, &si))
				pass_on(c, sig);
			continue;
		}
		int status;
		pid_t r;
		/* Our only other child is a setup helper (create.c) that ended after the fork: reaped too. */
		while ((r = waitpid(-1, &status, WNOHANG | WUNTRACED)) > 0) {
			if (r != c->pid)
				continue;
			if (WIFSTOPPED(status)) {
				/* Stop as the command did, so the shell sees the job stopped; give the terminal
				 * back to the command only if the shell resumed us in the foreground. */
				if (c->own_group)
					tcsetpgrp(c->tty, getpgrp());
				kill(getpid(), SIGSTOP);
				if (c->own_group && tcgetpgrp(c->tty) == getpgrp())
					tcsetpgrp(c->tty, c->pid);
				kill(c->own_group ? -c->pid : c->pid, SIGCONT);
				continue;
			}
			if (c->own_group)
				tcsetpgrp(c->tty, getpgrp());
			if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL && c->spared)
				stage_mirror_signal(c->spared);
			stage_mirror_status(status);
		}
		if (r < 0 && errno == ECHILD)
			_exit(STAGE_EXIT_FAILURE);
	}
}

/* Fork; the parent waits (never returns), the child returns. pass_all: SIGINT and SIGTERM go on too. */
static void fork_and_wait(const struct plan *p, int proc_fd, bool pass_all)
{
	/* Block what the parent waits for before forking, so nothing is lost in between; SIGTTOU too,
	 * so tcsetpgrp works from the background. */
	sigset_t waitset, blocked;
	sigemptyset(&waitset);
	sigaddset(&waitset, SIGCHLD);
	for (size_t i = 0; i < sizeof passed_signals / sizeof *passed_signals; i++)
		sigaddset(&waitset, passed_signals[i]);
	blocked = waitset;
	sigaddset(&blocked, SIGTTOU);
	sigaddset(&blocked, SIGTTIN);
	sigprocmask(SIG_BLOCK, &blocked, NULL);

	/* With a terminal we are in the foreground of, the command gets a process group of its own
	 * and the terminal: its job control works, and ^C reaches it once, not through us. */
	struct command c = {
		.tty = controlling_tty(),
		.init = p->fork && (p->unshare_mask & CLONE_NEWPID) != 0,
		.proc_fd = proc_fd,
		.pass_all = pass_all,
	};
	c.own_group = c.tty >= 0;
	c.pid = fork();
	if (c.pid < 0)
		stage_die(true, "fork");
	if (c.pid > 0)
		parent_wait(&c, &waitset);

	if (proc_fd >= 0)
		close(proc_fd);
	if (p->kill_child_signal)
		prctl(PR_SET_PDEATHSIG, p->kill_child_signal);
	if (c.own_group) {
		setpgid(0, 0);
		tcsetpgrp(c.tty, getpgrp());
	}
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

void fork_if_asked(const struct plan *p, int proc_fd)
{
	/* kill-child: the process that execs the command gets its signal when its parent dies. A
	 * waiting parent dies with its own parent at once (SIGKILL: it catches the signals it passes on),
	 * and the command then gets the signal asked for. */
	if (p->kill_child_signal)
		prctl(PR_SET_PDEATHSIG, p->fork ? SIGKILL : p->kill_child_signal);
	if (p->fork)
		fork_and_wait(p, proc_fd, p->forward_signals);
}

void lead_session(const struct plan *p)
{
	/* A session's leader is in an orphaned process group (its parent, the relay, is outside the
	 * session), where the kernel discards SIGTSTP: the command must be another process, in a group
	 * of its own. A plan that forks in phase 4 has that parent already; otherwise fork now, before
	 * anything is joined or made (the command stays out of a new pid namespace, as without a pty).
	 * This parent stands for the command: everything goes on to it. */
	if (!p->fork)
		fork_and_wait(p, -1, true);
}
