/* The walker's calls and buffer formats (described in WALK.md; addon.c binds them, src/proc/walk.ts reads them). */
#ifndef TSNS_WALK_H
#define TSNS_WALK_H

#include <stdint.h>

/* Namespace types by index, in lsns's order: bit 1 << index in a type mask. */
enum { WALK_MNT, WALK_NET, WALK_IPC, WALK_USER, WALK_PID, WALK_UTS, WALK_CGROUP, WALK_TIME, WALK_NTYPES };
#define WALK_ALL_TYPES ((1u << WALK_NTYPES) - 1)

/* tsns_walk flags. */
#define WALK_FDS 1u     /* nsfs and socket fds of every process */
#define WALK_THREADS 2u /* threads' namespaces that differ from their leader's */

/* Status (also tsns_walk's return value when not negative). */
#define WALK_DONE 0  /* every listed process walked */
#define WALK_FULL 1  /* the holder records filled the buffer: grow it, copy, tsns_walk_resume */
#define WALK_SMALL 2 /* the tables do not fit: `needed` bytes, call tsns_walk again */

/* Markers in the ns table where a link could not be read. */
#define WALK_NS_ABSENT (-2.0)  /* ENOENT, ESRCH: no such link (a zombie's mnt, a process gone) */
#define WALK_NS_DENIED (-13.0) /* EACCES, EPERM */

#define WALK_MAGIC 0x314b5754u /* "TWK1" */

struct walk_header {
    uint32_t magic;
    uint32_t status;
    uint32_t types;  /* the type mask asked for */
    uint32_t flags;  /* the flags asked for */
    uint32_t ntypes; /* types asked for: columns of the ns table */
    uint32_t listed; /* PIDs /proc listed */
    uint32_t next;   /* index of the listing the walk goes on at (== listed when done) */
    uint32_t count;  /* processes kept: rows of the pid column and the ns table */
    uint32_t holders;
    uint32_t reserved;
    uint64_t ns_offset;     /* byte offset of the ns table (double[listed][ntypes]) */
    uint64_t holder_offset; /* byte offset of the holder records */
    uint64_t needed;        /* WALK_SMALL: bytes the header, pid column and ns table need */
};

#define WALK_HOLDER_NSFD 1   /* id: fd number; type: namespace type index */
#define WALK_HOLDER_SOCKET 2 /* id: fd number; type: -1 */
#define WALK_HOLDER_THREAD 3 /* id: thread id; type: namespace type index */

struct walk_holder {
    int32_t kind;
    int32_t pid;
    int32_t id;
    int32_t type;
    double inode;
};

#define DETAILS_MAGIC 0x31445754u /* "TWD1" */
#define DETAILS_DONE 0
#define DETAILS_MORE 1 /* the strings did not all fit: `done` records are valid, call again for the rest */
#define DETAILS_GONE 1 /* record flag: no such process (any more) */
#define DETAILS_CMDLINE_MAX 8192

struct details_header {
    uint32_t magic;
    uint32_t done; /* records filled, from the first PID on */
    uint64_t strings_offset;
    uint64_t strings_used;
};

struct details_record {
    int32_t pid;
    int32_t ppid;
    uint32_t uid; /* owner of /proc/PID */
    int32_t threads;
    double start_time; /* clock ticks after boot (stat field 22) */
    uint32_t command_offset;
    uint32_t command_length;
    uint8_t state; /* stat field 3: R, S, D, Z, T, ... */
    uint8_t flags;
    uint8_t reserved[6];
};

#define RELATIONS_MAGIC 0x31525754u /* "TWR1" */
#define RELATIONS_DONE 0
#define RELATIONS_SMALL 1 /* more ancestors than records fit: `needed` records, call again */

/* How to open a namespace: its link in a process's or a thread's ns directory, or an fd holding it. */
#define RELATIONS_VIA_PROCESS 0 /* PROC/pid/ns/TYPE */
#define RELATIONS_VIA_FD 1      /* PROC/pid/fd/id, checked to be that nsfs inode before it is opened */
#define RELATIONS_VIA_THREAD 2  /* PROC/pid/task/id/ns/TYPE */

struct relations_request {
    int32_t via;
    int32_t pid;
    int32_t id; /* fd (VIA_FD) or thread id (VIA_THREAD) */
    int32_t type;
    double inode; /* the namespace expected there: another one found there is not answered for */
};

struct relations_header {
    uint32_t magic;
    uint32_t status;
    uint32_t count;  /* records: one per request, in order, then the ancestors they led to */
    uint32_t needed; /* RELATIONS_SMALL: records needed so far (call again with room for more) */
};

#define RELATIONS_OPENED 1 /* record flag: the namespace was reached and asked */

struct relations_record {
    double inode;
    double owner;     /* NS_GET_USERNS: the owning user namespace; 0 outside our view; -errno */
    double parent;    /* NS_GET_PARENT (user, pid): 0 at the top of our view or of the tree; -errno */
    double owner_uid; /* NS_GET_OWNER_UID (user): the creator's uid; -1 not asked or not answered */
    int32_t type;
    int32_t flags;
};

long tsns_walk(const char *proc, uint32_t types, uint32_t flags, uint8_t *buf, uint64_t size);
long tsns_walk_resume(const char *proc, uint8_t *buf, uint64_t size);
long tsns_details(const char *proc, const int32_t *pids, uint32_t n, uint8_t *buf, uint64_t size);
long tsns_relations(const char *proc, const struct relations_request *requests, uint32_t n, uint8_t *buf, uint64_t size);

#endif
