/* tsns-stage, the `pty` word (PROTOCOL.md): the command gets a terminal of its own, and a relay on
 * the host stands between it and the user's. A process in the target that gets hold of the command's
 * terminal can then push keystrokes (TIOCSTI) only into that one, never into the user's shell.
 *
 * The pty is allocated on the host before any join (/dev/ptmx, the peer by TIOCGPTPEER: no path is
 * looked up for it). The stage forks: the parent is the relay and never joins anything; the child
 * leads a new session on the new terminal and goes on with the plan. The relay copies bytes both
 * ways with the user's terminal in raw mode, passes window size changes on, follows the child's stops
 * (the user's shell sees the job stopped; `fg` resumes both), hangs the new terminal up when the
 * user's goes away, and ends as the child ended. */
#include "stage.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif

/* Passed on to the child (and from it, by the plan's rules, to the command). The relay handles
 * SIGWINCH and SIGCONT itself; SIGTTIN and SIGTTOU keep their default: a relay in the background
 * that touches the terminal stops, as the command would have. */
static const int relayed_signals[] = { SIGHUP, SIGINT, SIGTERM, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM, SIGTSTP };

static bool same_terminal(int fd, const struct stat *tty)
{
	struct stat st;
	return isatty(fd) && fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == tty->st_rdev;
}

bool pty_open(struct terminal *t)
{
	memset(t, 0, sizeof *t);
	t->master = t->slave = t->out = -1;
	struct stat tty;
	if (!isatty(STDIN_FILENO) || fstat(STDIN_FILENO, &tty) != 0 || tcgetattr(STDIN_FILENO, &t->saved) != 0)
		return false;
	for (int fd = 0; fd <= 2; fd++)
		t->is_tty[fd] = same_terminal(fd, &tty);
	/* Output goes where the command's terminal output would have gone. */
	t->out = t->is_tty[1] ? 1 : t->is_tty[2] ? 2 : 0;

	t->master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (t->master < 0)
		stage_die(true, "cannot open /dev/ptmx for the command's terminal (--no-pty gives it yours)");
	int unlock = 0;
	if (ioctl(t->master, TIOCSPTLCK, &unlock) != 0)
		stage_die(true, "cannot unlock the command's terminal");
	t->slave = ioctl(t->master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (t->slave < 0)
		stage_die(true, "cannot open the command's terminal");
	if (tcsetattr(t->slave, TCSANOW, &t->saved) != 0)
		stage_die(true, "cannot set up the command's terminal");
	struct winsize ws;
	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
		ioctl(t->master, TIOCSWINSZ, &ws);
	return true;
}

/* ---- the relay (the parent) ---- */

struct relay {
	struct terminal *t;
	pid_t child;
	int master;             /* -1 once closed: the new terminal hung up */
	bool master_polled;     /* false once nobody holds the new terminal */
	bool in_open;           /* fd 0 (the user's terminal) still there */
	bool raw;               /* we put the user's terminal in raw mode */
	char to_master[4096];   /* typed, not yet taken by the new terminal */
	size_t pending;
};

static bool foreground(void)
{
	return tcgetpgrp(STDIN_FILENO) == getpgrp();
}

static void write_out(struct relay *r, const char *buf, size_t len)
{
	while (len > 0 && r->in_open) {
		ssize_t n = write(r->t->out, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return; /* gone (EIO): the poll on fd 0 says so too */
		buf += n;
		len -= (size_t)n;
	}
}

/* Raw mode and the window size, when the user's terminal is ours to change (we are in its
 * foreground; from the background tcsetattr would stop us). */
static void take_terminal(struct relay *r)
{
	if (!r->in_open || r->raw || !foreground())
		return;
	struct termios raw = r->t->saved;
	cfmakeraw(&raw);
	if (tcsetattr(STDIN_FILENO, TCSADRAIN, &raw) == 0)
		r->raw = true;
	struct winsize ws;
	if (r->master >= 0 && ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
		ioctl(r->master, TIOCSWINSZ, &ws);
}

static void give_terminal_back(struct relay *r)
{
	if (r->raw && r->in_open)
		tcsetattr(STDIN_FILENO, TCSADRAIN, &r->t->saved);
	r->raw = false;
}

/* Everything the command wrote, before its end is mirrored (non-blocking reads flush what the
 * kernel still holds for the master; EIO: nobody holds the new terminal any more). */
static void drain(struct relay *r)
{
	char buf[16384];
	ssize_t n;
	while (r->master >= 0 && ((n = read(r->master, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR)))
		if (n > 0)
			write_out(r, buf, (size_t)n);
}

/* The user's terminal went away: so does the command's (its session gets SIGHUP from the kernel). */
static void hang_up(struct relay *r)
{
	r->in_open = false;
	r->raw = false;
	if (r->master >= 0) {
		close(r->master);
		r->master = -1;
	}
}

static bool terminal_gone(void)
{
	struct pollfd p = { .fd = STDIN_FILENO, .events = 0 };
	return poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLERR | POLLNVAL));
}

static void child_changed(struct relay *r)
{
	int status;
	pid_t w;
	while ((w = waitpid(r->child, &status, WNOHANG | WUNTRACED)) == r->child) {
		if (WIFSTOPPED(status)) {
			/* Stop as the child did, with the user's terminal as it was: the shell shows the job
			 * stopped. Resumed, take the terminal again if we are in its foreground. */
			drain(r);
			give_terminal_back(r);
			kill(getpid(), SIGSTOP);
			take_terminal(r);
			kill(-r->child, SIGCONT);
			continue;
		}
		drain(r);
		give_terminal_back(r);
		stage_mirror_status(status);
	}
	if (w < 0 && errno == ECHILD)
		_exit(STAGE_EXIT_FAILURE);
}

static void __attribute__((noreturn)) relay(struct relay *r, int sigfd)
{
	/* Only what the relay uses: the user's terminal (0-2), the master, the signalfd. */
	int keep_lo = r->master < sigfd ? r->master : sigfd, keep_hi = r->master < sigfd ? sigfd : r->master;
	if (keep_lo > 3)
		syscall(SYS_close_range, 3, keep_lo - 1, 0);
	if (keep_hi > keep_lo + 1)
		syscall(SYS_close_range, keep_lo + 1, keep_hi - 1, 0);
	syscall(SYS_close_range, keep_hi + 1, ~0U, 0);
	int flags = fcntl(r->master, F_GETFL);
	fcntl(r->master, F_SETFL, flags | O_NONBLOCK);
	take_terminal(r);

	for (;;) {
		struct pollfd fds[3] = { { .fd = sigfd, .events = POLLIN }, { .fd = -1 }, { .fd = -1 } };
		if (r->master >= 0 && r->master_polled)
			fds[1] = (struct pollfd){ .fd = r->master, .events = POLLIN | (r->pending ? POLLOUT : 0) };
		/* In the background the relay reads nothing (that would stop it); a hangup still shows. */
		if (r->in_open)
			fds[2] = (struct pollfd){ .fd = STDIN_FILENO,
						  .events = r->pending < sizeof r->to_master && r->raw ? POLLIN : 0 };
		if (poll(fds, 3, -1) < 0)
			continue;

		if (fds[1].revents & POLLIN) {
			char buf[16384];
			ssize_t n = read(r->master, buf, sizeof buf);
			if (n > 0)
				write_out(r, buf, (size_t)n);
		}
		if ((fds[1].revents & POLLOUT) && r->pending) {
			ssize_t n = write(r->master, r->to_master, r->pending);
			if (n > 0) {
				memmove(r->to_master, r->to_master + n, r->pending - (size_t)n);
				r->pending -= (size_t)n;
			}
		}
		if (fds[1].revents & (POLLHUP | POLLERR) && !(fds[1].revents & POLLIN)) {
			/* Nobody holds the new terminal (the command closed its fds on it): stop polling it
			 * until the child ends, but keep it (closing it would hang the session up). */
			r->master_polled = false;
		}
		if (fds[2].revents & POLLIN) {
			ssize_t n = read(STDIN_FILENO, r->to_master + r->pending, sizeof r->to_master - r->pending);
			if (n > 0)
				r->pending += (size_t)n;
			else if (n == 0 || (errno != EINTR && errno != EAGAIN))
				hang_up(r);
		}
		if (fds[2].revents & (POLLHUP | POLLERR | POLLNVAL))
			hang_up(r);

		if (fds[0].revents & POLLIN) {
			struct signalfd_siginfo si;
			while (read(sigfd, &si, sizeof si) == sizeof si) {
				int sig = (int)si.ssi_signo;
				if (sig == SIGCHLD) {
					child_changed(r);
				} else if (sig == SIGWINCH) {
					struct winsize ws;
					if (r->in_open && r->master >= 0 && ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
						ioctl(r->master, TIOCSWINSZ, &ws);
				} else if (sig == SIGCONT) {
					take_terminal(r); /* `fg` of a job we did not stop ourselves */
				} else {
					if (sig == SIGHUP && terminal_gone())
						hang_up(r);
					/* The child leads a process group of its own, once it has run setsid. */
					if (kill(-r->child, sig) != 0)
						kill(r->child, sig);
				}
			}
		}
	}
}

void pty_fork_relay(struct terminal *t, const struct plan *p)
{
	sigset_t set, old;
	sigemptyset(&set);
	for (size_t i = 0; i < sizeof relayed_signals / sizeof *relayed_signals; i++)
		sigaddset(&set, relayed_signals[i]);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGWINCH);
	sigaddset(&set, SIGCONT);
	sigprocmask(SIG_BLOCK, &set, &old);

	pid_t child = fork();
	if (child < 0)
		stage_die(true, "fork");
	if (child > 0) {
		/* kill-child: the relay, too, does not outlive its parent. */
		if (p->kill_child_signal)
			prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(t->slave);
		int sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
		if (sigfd < 0) {
			kill(child, SIGKILL);
			stage_die(true, "signalfd");
		}
		struct relay r = { .t = t, .child = child, .master = t->master, .master_polled = true, .in_open = true };
		relay(&r, sigfd);
	}

	sigprocmask(SIG_SETMASK, &old, NULL);
	close(t->master);
	/* A session of our own, with the new terminal as its controlling terminal on the fds that were
	 * the user's terminal: the command's job control and hangup happen there. */
	if (setsid() < 0 || ioctl(t->slave, TIOCSCTTY, 0) != 0)
		stage_die(true, "cannot make the new terminal the command's");
	for (int fd = 0; fd <= 2; fd++)
		if (t->is_tty[fd] && dup2(t->slave, fd) < 0)
			stage_die(true, "dup2");
	if (t->slave > 2)
		close(t->slave);
	lead_session(p);
}
