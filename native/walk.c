/*
 * libtsns-walk.so: the /proc walk of a scan in one call, for src/proc/walk.ts (loaded with koffi).
 *
 * tsns_walk lists /proc and reads, for every process, the namespace links asked for and, when asked,
 * its nsfs and socket fds and the namespaces its threads are in apart from the leader, into a buffer the
 * caller owns and reuses. tsns_details reads PPID, state, start time, owner and command line of a list
 * of PIDs; tsns_relations asks the nsfs ioctls of a list of namespaces and the ancestors they lead
 * to. Nothing is kept between calls, nothing is printed; errors come back as -errno. The buffer formats
 * are in WALK.md, beside this file.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "walk.h"

static const char *const TYPE_NAMES[WALK_NTYPES] = {"mnt", "net", "ipc", "user", "pid", "uts", "cgroup", "time"};
/* The types a thread can be in apart from its leader: joining or creating the others (user, pid, time)
 * needs a single-threaded caller, and pid and time apply to children only. */
#define THREAD_TYPES ((1u << WALK_MNT) | (1u << WALK_NET) | (1u << WALK_IPC) | (1u << WALK_UTS) | (1u << WALK_CGROUP))

enum { KEPT, GONE, FULL };

static uint64_t align8(uint64_t n) { return (n + 7) & ~(uint64_t)7; }

static int is_pid_name(const char *s) {
    if (*s < '1' || *s > '9') return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9') return 0;
    return 1;
}

/* "TYPE:[INODE]" -> the type's index and its inode; -1 when it is not a namespace link. */
static int parse_ns_link(const char *s, long n, double *inode) {
    const char *colon = memchr(s, ':', n);
    if (!colon || colon + 3 > s + n || colon[1] != '[' || s[n - 1] != ']') return -1;
    long tlen = colon - s;
    for (int t = 0; t < WALK_NTYPES; t++) {
        if ((long)strlen(TYPE_NAMES[t]) != tlen || memcmp(s, TYPE_NAMES[t], tlen) != 0) continue;
        uint64_t v = 0;
        const char *p = colon + 2;
        if (p == s + n - 1) return -1;
        for (; p < s + n - 1; p++) {
            if (*p < '0' || *p > '9' || v > (UINT64_C(1) << 53) / 10) return -1;
            v = v * 10 + (uint64_t)(*p - '0');
        }
        if (v == 0) return -1;
        *inode = (double)v;
        return t;
    }
    return -1;
}

/* "socket:[INODE]" -> its inode; 0 when it is not a socket. */
static double parse_socket_link(const char *s, long n) {
    if (n < 10 || memcmp(s, "socket:[", 8) != 0 || s[n - 1] != ']') return 0;
    uint64_t v = 0;
    for (const char *p = s + 8; p < s + n - 1; p++) {
        if (*p < '0' || *p > '9' || v > (UINT64_C(1) << 53) / 10) return 0;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    return (double)v;
}

/* The marker a failed link read leaves in the ns table. */
static double marker(int err) {
    if (err == ENOENT || err == ESRCH) return WALK_NS_ABSENT;
    if (err == EACCES || err == EPERM) return WALK_NS_DENIED;
    return -(double)err;
}

struct walk_state {
    struct walk_header *h;
    struct walk_holder *holders;
    uint64_t holder_cap;
    char dents[16384];
};

static int add_holder(struct walk_state *w, int32_t kind, int32_t pid, int32_t id, int32_t type, double inode) {
    if (w->h->holders >= w->holder_cap) return 0;
    w->holders[w->h->holders++] = (struct walk_holder){kind, pid, id, type, inode};
    return 1;
}

/* nsfs fds (of the asked types) and socket fds of one process. */
static int walk_fds(struct walk_state *w, int piddir, int32_t pid) {
    int dir = openat(piddir, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) return KEPT; /* gone since, or not ours to read: no fds */
    char link[128];
    int result = KEPT;
    for (;;) {
        long n = syscall(SYS_getdents64, dir, w->dents, sizeof w->dents);
        if (n <= 0) break;
        for (long at = 0; at < n && result == KEPT;) {
            struct dirent64 *d = (struct dirent64 *)(w->dents + at);
            at += d->d_reclen;
            if (d->d_name[0] < '0' || d->d_name[0] > '9') continue;
            long len = readlinkat(dir, d->d_name, link, sizeof link);
            /* Most fds are files, whose links start with '/'. */
            if (len <= 0 || link[0] == '/') continue;
            int32_t fd = (int32_t)strtol(d->d_name, NULL, 10);
            double inode = parse_socket_link(link, len);
            if (inode > 0) {
                if (!add_holder(w, WALK_HOLDER_SOCKET, pid, fd, -1, inode)) result = FULL;
                continue;
            }
            int t = parse_ns_link(link, len, &inode);
            if (t >= 0 && (w->h->types & (1u << t)) && !add_holder(w, WALK_HOLDER_NSFD, pid, fd, t, inode)) result = FULL;
        }
        if (result != KEPT) break;
    }
    close(dir);
    return result;
}

/* Namespaces of `pid`'s other threads that differ from the leader's (`leader`: the ns table row). */
static int walk_threads(struct walk_state *w, int piddir, int32_t pid, const double *leader) {
    uint32_t types = w->h->types & THREAD_TYPES;
    if (!types) return KEPT;
    struct statx stx;
    /* /proc/PID/task has a link per thread plus two: one statx skips a single-threaded process. */
    if (statx(piddir, "task", 0, STATX_NLINK, &stx) != 0 || stx.stx_nlink <= 3) return KEPT;
    int dir = openat(piddir, "task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) return KEPT;
    /* A leader whose every link is unreadable (PID 1 here, even for root) is closed thread by thread too:
     * stop at the first thread that shows nothing either. */
    int leader_closed = 1;
    for (int t = 0, col = 0; t < WALK_NTYPES; t++) {
        if (!(w->h->types & (1u << t))) continue;
        if ((types & (1u << t)) && leader[col] != WALK_NS_DENIED) leader_closed = 0;
        col++;
    }
    char path[64], link[64];
    int result = KEPT;
    for (int stop = 0; !stop;) {
        long n = syscall(SYS_getdents64, dir, w->dents, sizeof w->dents);
        if (n <= 0) break;
        for (long at = 0; at < n && !stop;) {
            struct dirent64 *d = (struct dirent64 *)(w->dents + at);
            at += d->d_reclen;
            if (!is_pid_name(d->d_name)) continue;
            int32_t tid = (int32_t)strtol(d->d_name, NULL, 10);
            if (tid == pid) continue;
            int readable = 0;
            for (int t = 0, col = 0; t < WALK_NTYPES; t++) {
                if (!(w->h->types & (1u << t))) continue;
                int this_col = col++;
                if (!(types & (1u << t))) continue;
                snprintf(path, sizeof path, "%d/ns/%s", tid, TYPE_NAMES[t]);
                long len = readlinkat(dir, path, link, sizeof link);
                double inode;
                if (len <= 0 || parse_ns_link(link, len, &inode) != t) continue;
                readable = 1;
                if (inode == leader[this_col]) continue;
                if (!add_holder(w, WALK_HOLDER_THREAD, pid, tid, t, inode)) {
                    result = FULL;
                    stop = 1;
                    break;
                }
            }
            if (leader_closed && !readable) stop = 1;
        }
    }
    close(dir);
    return result;
}

/* One process: its links into `row`, then its fds and threads. */
static int walk_process(struct walk_state *w, int procfd, int32_t pid, double *row) {
    struct walk_header *h = w->h;
    char name[16];
    snprintf(name, sizeof name, "%d", pid);
    int piddir = openat(procfd, name, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (piddir < 0) return errno == ENOENT || errno == ESRCH ? GONE : KEPT;
    int nsdir = openat(piddir, "ns", O_PATH | O_DIRECTORY | O_CLOEXEC);
    int nsdir_errno = nsdir < 0 ? errno : 0;
    int absent = 0;
    char link[64];
    for (int t = 0, col = 0; t < WALK_NTYPES; t++) {
        if (!(h->types & (1u << t))) continue;
        long len = nsdir < 0 ? -1 : readlinkat(nsdir, TYPE_NAMES[t], link, sizeof link);
        int err = nsdir < 0 ? nsdir_errno : errno;
        double inode;
        if (len < 0) row[col] = marker(err);
        else row[col] = parse_ns_link(link, len, &inode) == t ? inode : -(double)EINVAL;
        if (row[col] == WALK_NS_ABSENT) absent++;
        col++;
    }
    if (nsdir >= 0) close(nsdir);
    /* Every link gone: the process exited (a zombie still shows its user and pid namespaces). */
    int result = h->ntypes > 0 && absent == (int)h->ntypes ? GONE : KEPT;
    if (result == KEPT && (h->flags & WALK_FDS)) result = walk_fds(w, piddir, pid);
    if (result == KEPT && (h->flags & WALK_THREADS)) result = walk_threads(w, piddir, pid, row);
    close(piddir);
    return result;
}

static long walk_on(const char *proc, uint8_t *buf, uint64_t size) {
    struct walk_header *h = (struct walk_header *)buf;
    int procfd = open(proc ? proc : "/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (procfd < 0) return -errno;
    struct walk_state state; /* 16 KiB of stack: nothing is kept between calls */
    struct walk_state *w = &state;
    w->h = h;
    w->holders = (struct walk_holder *)(buf + h->holder_offset);
    w->holder_cap = (size - h->holder_offset) / sizeof(struct walk_holder);
    int32_t *pids = (int32_t *)(buf + sizeof *h);
    double *ns = (double *)(buf + h->ns_offset);
    h->status = WALK_DONE;
    for (; h->next < h->listed; h->next++) {
        int32_t pid = pids[h->next];
        uint32_t mark = h->holders;
        /* Rows are compacted as processes vanish: row `count` is never ahead of listing index `next`. */
        int r = walk_process(w, procfd, pid, ns + (uint64_t)h->count * h->ntypes);
        if (r != KEPT) h->holders = mark; /* no half process: its holders go with it */
        if (r == FULL) {
            h->status = WALK_FULL;
            break;
        }
        if (r == KEPT) pids[h->count++] = pid;
    }
    close(procfd);
    return h->status;
}

long tsns_walk(const char *proc, uint32_t types, uint32_t flags, uint8_t *buf, uint64_t size) {
    if (size < sizeof(struct walk_header) || ((uintptr_t)buf & 7) || (types & ~WALK_ALL_TYPES) || (flags & ~(WALK_FDS | WALK_THREADS))) return -EINVAL;
    struct walk_header *h = (struct walk_header *)buf;
    memset(h, 0, sizeof *h);
    h->magic = WALK_MAGIC;
    h->types = types;
    h->flags = flags;
    h->ntypes = (uint32_t)__builtin_popcount(types);
    int dir = open(proc ? proc : "/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) return -errno;
    /* The listing goes where the PID column will be; past the end of the buffer it is only counted. */
    int32_t *pids = (int32_t *)(buf + sizeof *h);
    uint64_t room = (size - sizeof *h) / sizeof *pids;
    char dents[16384];
    for (;;) {
        long n = syscall(SYS_getdents64, dir, dents, sizeof dents);
        if (n < 0) {
            int err = errno;
            close(dir);
            return -err;
        }
        if (n == 0) break;
        for (long at = 0; at < n;) {
            struct dirent64 *d = (struct dirent64 *)(dents + at);
            at += d->d_reclen;
            if (!is_pid_name(d->d_name)) continue;
            if (h->listed < room) pids[h->listed] = (int32_t)strtol(d->d_name, NULL, 10);
            h->listed++;
        }
    }
    close(dir);
    h->ns_offset = align8(sizeof *h + (uint64_t)h->listed * sizeof *pids);
    h->holder_offset = h->ns_offset + (uint64_t)h->listed * h->ntypes * sizeof(double);
    if (h->holder_offset > size) {
        h->status = WALK_SMALL;
        h->needed = h->holder_offset;
        return WALK_SMALL;
    }
    return walk_on(proc, buf, size);
}

long tsns_walk_resume(const char *proc, uint8_t *buf, uint64_t size) {
    struct walk_header *h = (struct walk_header *)buf;
    if (size < sizeof *h || ((uintptr_t)buf & 7) || h->magic != WALK_MAGIC || h->status != WALK_FULL || h->holder_offset > size ||
        h->holder_offset + (uint64_t)h->holders * sizeof(struct walk_holder) > size)
        return -EINVAL;
    return walk_on(proc, buf, size);
}

/* ---- details ---- */

/* Read a small /proc file relative to `dir` into buf (at most size bytes); the byte count or -1. */
static long read_at(int dir, const char *name, char *buf, long size) {
    int fd = openat(dir, name, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    long total = 0;
    while (total < size) {
        long n = read(fd, buf + total, (size_t)(size - total));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            total = total > 0 ? total : -1;
            break;
        }
        if (n == 0) break;
        total += n;
    }
    close(fd);
    return total;
}

/* The fields of /proc/PID/stat after "PID (COMM) ": field 3 (state) is index 0. */
static const char *stat_field(const char *p, const char *end, int index) {
    for (int i = 0; i < index && p < end; i++) {
        while (p < end && *p != ' ') p++;
        while (p < end && *p == ' ') p++;
    }
    return p < end ? p : NULL;
}

static double stat_number(const char *p, const char *end) {
    double v = 0;
    int neg = p && p < end && *p == '-';
    if (neg) p++;
    for (; p && p < end && *p >= '0' && *p <= '9'; p++) v = v * 10 + (*p - '0');
    return neg ? -v : v;
}

long tsns_details(const char *proc, const int32_t *pids, uint32_t n, uint8_t *buf, uint64_t size) {
    struct details_header *h = (struct details_header *)buf;
    uint64_t strings_at = sizeof *h + (uint64_t)n * sizeof(struct details_record);
    if (size < strings_at || ((uintptr_t)buf & 7)) return -EINVAL;
    memset(h, 0, sizeof *h);
    h->magic = DETAILS_MAGIC;
    h->strings_offset = strings_at;
    struct details_record *records = (struct details_record *)(buf + sizeof *h);
    char *strings = (char *)buf + strings_at;
    uint64_t room = size - strings_at;
    int procfd = open(proc ? proc : "/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (procfd < 0) return -errno;
    char stat[1024], name[16];
    for (; h->done < n; h->done++) {
        /* A command line takes up to DETAILS_CMDLINE_MAX bytes: stop while that much room is left. */
        if (room - h->strings_used < DETAILS_CMDLINE_MAX) break;
        struct details_record *r = &records[h->done];
        memset(r, 0, sizeof *r);
        r->pid = pids[h->done];
        r->flags = DETAILS_GONE;
        snprintf(name, sizeof name, "%d", r->pid);
        int piddir = r->pid > 0 ? openat(procfd, name, O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
        if (piddir < 0) continue;
        struct stat st;
        long len = fstat(piddir, &st) == 0 ? read_at(piddir, "stat", stat, sizeof stat) : -1;
        const char *open_paren = len > 0 ? memchr(stat, '(', (size_t)len) : NULL;
        const char *close_paren = len > 0 ? memrchr(stat, ')', (size_t)len) : NULL;
        if (!open_paren || !close_paren || close_paren < open_paren || close_paren + 2 >= stat + len) {
            close(piddir);
            continue;
        }
        const char *end = stat + len;
        const char *fields = close_paren + 2;
        r->flags = 0;
        r->uid = (uint32_t)st.st_uid;
        r->state = (uint8_t)fields[0];
        r->ppid = (int32_t)stat_number(stat_field(fields, end, 1), end);
        r->threads = (int32_t)stat_number(stat_field(fields, end, 17), end);
        r->start_time = stat_number(stat_field(fields, end, 19), end);
        /* The command as lsns shows it: cmdline with NULs as spaces, without its last byte (the final
         * NUL), at most 8 KiB; a kernel thread's or a zombie's is empty: then the thread name. */
        char *cmd = strings + h->strings_used;
        long c = read_at(piddir, "cmdline", cmd, DETAILS_CMDLINE_MAX);
        close(piddir);
        if (c > 0) {
            for (long i = 0; i < c; i++)
                if (cmd[i] == 0) cmd[i] = ' ';
            r->command_length = (uint32_t)(c - 1);
        } else {
            uint32_t comm = (uint32_t)(close_paren - open_paren - 1);
            memcpy(cmd, open_paren + 1, comm);
            r->command_length = comm;
        }
        r->command_offset = (uint32_t)h->strings_used;
        h->strings_used += r->command_length;
    }
    close(procfd);
    return h->done < n ? DETAILS_MORE : DETAILS_DONE;
}

/* ---- relations: the nsfs ioctls ---- */

#define NS_GET_USERNS 0xb701
#define NS_GET_PARENT 0xb702
#define NS_GET_OWNER_UID 0xb704

struct relations_state {
    struct relations_header *h;
    struct relations_record *records;
    uint32_t capacity;
    uint32_t *slots; /* open-addressing table of record index + 1, by inode */
    uint32_t nslots;
};

static uint32_t *slot_of(struct relations_state *r, double inode) {
    uint64_t key = (uint64_t)inode;
    for (uint32_t i = (uint32_t)((key * 0x9e3779b97f4a7c15ULL) >> 40) & (r->nslots - 1);; i = (i + 1) & (r->nslots - 1)) {
        if (!r->slots[i] || r->records[r->slots[i] - 1].inode == inode) return &r->slots[i];
    }
}

/* The record of `inode`, added (as an ancestor) when it is new; NULL when the records are full. */
static struct relations_record *record_of(struct relations_state *r, double inode, int32_t type) {
    uint32_t *slot = slot_of(r, inode);
    if (*slot) return &r->records[*slot - 1];
    r->h->needed++;
    if (r->h->count >= r->capacity) return NULL;
    struct relations_record *rec = &r->records[r->h->count++];
    *rec = (struct relations_record){inode, 0, 0, -1, type, 0};
    *slot = r->h->count;
    return rec;
}

static double fd_inode(int fd) {
    struct stat st;
    return fstat(fd, &st) == 0 ? (double)st.st_ino : 0;
}

/* Ask the namespace behind `fd` for its owner, parent and creator, and walk on to those not asked yet. */
static int ask(struct relations_state *r, struct relations_record *rec, int fd) {
    rec->flags |= RELATIONS_OPENED;
    static const unsigned long requests[2] = {NS_GET_USERNS, NS_GET_PARENT};
    for (int k = 0; k < 2; k++) {
        if (k == 1 && rec->type != WALK_USER && rec->type != WALK_PID) break;
        double *answer = k == 0 ? &rec->owner : &rec->parent;
        int rel = ioctl(fd, requests[k]);
        if (rel < 0) {
            /* EPERM: the answer lies outside our user namespace; ENOENT/EINVAL: there is none. */
            *answer = errno == EPERM || errno == ENOENT ? 0 : -(double)errno;
            continue;
        }
        *answer = fd_inode(rel);
        struct relations_record *next = *answer > 0 ? record_of(r, *answer, k == 0 ? WALK_USER : rec->type) : NULL;
        int ok = *answer <= 0 || next != NULL;
        if (next && !(next->flags & RELATIONS_OPENED)) ok = ask(r, next, rel);
        close(rel);
        if (!ok) return 0;
    }
    if (rec->type == WALK_USER) {
        uid_t uid;
        if (ioctl(fd, NS_GET_OWNER_UID, &uid) == 0) rec->owner_uid = (double)uid;
    }
    return 1;
}

/* An fd of the namespace a request names, or -1 when it is not there (any more). `nsfs_dev` is the
 * device of nsfs (of our own namespace files). */
static int open_request(int procfd, const struct relations_request *q, dev_t nsfs_dev) {
    char path[96];
    if (q->type < 0 || q->type >= WALK_NTYPES) return -1;
    if (q->via == RELATIONS_VIA_PROCESS) snprintf(path, sizeof path, "%d/ns/%s", q->pid, TYPE_NAMES[q->type]);
    else if (q->via == RELATIONS_VIA_THREAD) snprintf(path, sizeof path, "%d/task/%d/ns/%s", q->pid, q->id, TYPE_NAMES[q->type]);
    else if (q->via == RELATIONS_VIA_FD) snprintf(path, sizeof path, "%d/fd/%d", q->pid, q->id);
    else return -1;
    if (q->via == RELATIONS_VIA_FD) {
        /* The fd's owner may have swapped it for a FIFO or a device since the walk: look at it through an
         * O_PATH handle (which opens nothing) and open it only if it is still that namespace file. */
        int handle = openat(procfd, path, O_PATH | O_CLOEXEC);
        if (handle < 0) return -1;
        struct stat st;
        int fd = -1;
        if (fstat(handle, &st) == 0 && st.st_dev == nsfs_dev && (double)st.st_ino == q->inode) {
            snprintf(path, sizeof path, "self/fd/%d", handle);
            fd = openat(procfd, path, O_RDONLY | O_CLOEXEC);
        }
        close(handle);
        return fd;
    }
    int fd = openat(procfd, path, O_RDONLY | O_CLOEXEC);
    /* The process may have moved to another namespace since the walk. */
    if (fd >= 0 && fd_inode(fd) != q->inode) {
        close(fd);
        fd = -1;
    }
    return fd;
}

long tsns_relations(const char *proc, const struct relations_request *requests, uint32_t n, uint8_t *buf, uint64_t size) {
    struct relations_header *h = (struct relations_header *)buf;
    if (size < sizeof *h || ((uintptr_t)buf & 7)) return -EINVAL;
    struct relations_state r = {h, (struct relations_record *)(buf + sizeof *h), (uint32_t)((size - sizeof *h) / sizeof(struct relations_record)), NULL, 0};
    memset(h, 0, sizeof *h);
    h->magic = RELATIONS_MAGIC;
    if (r.capacity < n) {
        h->status = RELATIONS_SMALL;
        h->needed = n;
        return RELATIONS_SMALL;
    }
    for (r.nslots = 64; r.nslots < 2 * (uint64_t)r.capacity + 2; r.nslots *= 2) {}
    r.slots = calloc(r.nslots, sizeof *r.slots); /* freed below: nothing is kept between calls */
    if (!r.slots) return -ENOMEM;
    int procfd = open(proc ? proc : "/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (procfd < 0) {
        int err = errno;
        free(r.slots);
        return -err;
    }
    struct stat own;
    int own_fd = openat(procfd, "self/ns/user", O_PATH | O_CLOEXEC);
    dev_t nsfs_dev = own_fd >= 0 && fstat(own_fd, &own) == 0 ? own.st_dev : (dev_t)-1;
    if (own_fd >= 0) close(own_fd);
    /* One record per request first, in order. The table finds a namespace's record by its inode: the
     * first request's for it, or the one that reached it. */
    for (uint32_t i = 0; i < n; i++) {
        r.records[i] = (struct relations_record){requests[i].inode, 0, 0, -1, requests[i].type, 0};
        uint32_t *slot = slot_of(&r, requests[i].inode);
        if (!*slot) *slot = i + 1;
    }
    h->count = h->needed = n;
    int ok = 1;
    for (uint32_t i = 0; i < n && ok; i++) {
        struct relations_record *rec = &r.records[i];
        if (rec->flags & RELATIONS_OPENED) continue; /* reached already, as another's ancestor */
        uint32_t *slot = slot_of(&r, requests[i].inode);
        struct relations_record *known = &r.records[*slot - 1];
        if (known != rec && (known->flags & RELATIONS_OPENED) && known->type == rec->type) {
            *rec = *known; /* asked for twice (or found as an ancestor): answered once */
            continue;
        }
        int fd = open_request(procfd, &requests[i], nsfs_dev);
        if (fd < 0) continue; /* not there: this request stays unanswered, whatever another way finds */
        if (!(known->flags & RELATIONS_OPENED)) *slot = i + 1;
        ok = ask(&r, rec, fd);
        close(fd);
    }
    close(procfd);
    free(r.slots);
    if (!ok) {
        h->status = RELATIONS_SMALL;
        return RELATIONS_SMALL;
    }
    return RELATIONS_DONE;
}
