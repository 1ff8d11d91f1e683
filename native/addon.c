/*
 * tsns.node: the Node-API addon of the calls on tsns's hot paths, so that a default `tsns ls` and
 * `tsns enter` load no FFI (koffi costs 10-15 ms to load; this addon 0.2 ms). It holds:
 *
 *   walk(proc, types, flags, buf)            tsns_walk          (walk.c; formats in WALK.md)
 *   walkResume(proc, buf)                    tsns_walk_resume
 *   details(proc, pids, buf)                 tsns_details       (pids: an Int32Array)
 *   relations(proc, requests, n, buf)        tsns_relations
 *   execve(path, argv, envp)                 execve(2); returns only when it fails
 *   clearCloexec(fd)                         fcntl(2): let fd survive execve
 *   pidfdOpen(pid)                           pidfd_open(2)
 *
 * Each returns a number: what the C call returns, or -errno where it fails (1 from clearCloexec: no
 * such fd). Buffers are Node Buffers (or any typed array) the caller owns; `proc` may be null (/proc).
 * Arguments of the wrong kind throw a TypeError. Every other system call of tsns is bound with koffi in
 * src/sys/libc.ts. Built against Node-API version 8 (Node 12.22 and later), so one build serves every
 * Node tsns supports.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <node_api.h>

#include "walk.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

/* A TypeError for arguments of the wrong kind; the value to return from the binding. */
static napi_value bad_arguments(napi_env env, const char *what) {
    napi_throw_type_error(env, NULL, what);
    return NULL;
}

static napi_value number(napi_env env, long value) {
    napi_value out;
    return napi_create_int64(env, value, &out) == napi_ok ? out : NULL;
}

/* Up to `want` arguments of the call (the missing ones are undefined). */
static int arguments(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
    size_t argc = want;
    return napi_get_cb_info(env, info, &argc, argv, NULL, NULL) == napi_ok;
}

/* `proc`: a path of at most PATH_MAX bytes, or null/undefined for NULL. 0 when it is neither. */
static int proc_path(napi_env env, napi_value v, char *buf, const char **path) {
    napi_valuetype type;
    if (napi_typeof(env, v, &type) != napi_ok) return 0;
    if (type == napi_null || type == napi_undefined) {
        *path = NULL;
        return 1;
    }
    size_t len;
    if (type != napi_string || napi_get_value_string_utf8(env, v, buf, PATH_MAX, &len) != napi_ok || len >= PATH_MAX - 1) return 0;
    *path = buf;
    return 1;
}

/* The bytes of a typed array (a Buffer included): its data and byte length; `elements` its length. */
static int bytes_of(napi_env env, napi_value v, void **data, size_t *size, size_t *elements, napi_typedarray_type *kind) {
    bool is;
    if (napi_is_typedarray(env, v, &is) != napi_ok || !is) return 0;
    napi_typedarray_type type;
    size_t length, offset;
    napi_value arraybuffer;
    if (napi_get_typedarray_info(env, v, &type, &length, data, &arraybuffer, &offset) != napi_ok) return 0;
    size_t width = type == napi_int32_array || type == napi_uint32_array || type == napi_float32_array ? 4
                   : type == napi_int16_array || type == napi_uint16_array                               ? 2
                   : type == napi_float64_array || type == napi_bigint64_array || type == napi_biguint64_array ? 8
                                                                                                              : 1;
    *size = length * width;
    if (elements) *elements = length;
    if (kind) *kind = type;
    return 1;
}

static int u32_of(napi_env env, napi_value v, uint32_t *out) { return napi_get_value_uint32(env, v, out) == napi_ok; }

static napi_value walk(napi_env env, napi_callback_info info) {
    napi_value argv[4];
    char procbuf[PATH_MAX];
    const char *proc;
    uint32_t types, flags;
    void *buf;
    size_t size;
    if (!arguments(env, info, 4, argv) || !proc_path(env, argv[0], procbuf, &proc) || !u32_of(env, argv[1], &types) || !u32_of(env, argv[2], &flags) ||
        !bytes_of(env, argv[3], &buf, &size, NULL, NULL))
        return bad_arguments(env, "walk(proc, types, flags, buffer)");
    return number(env, tsns_walk(proc, types, flags, buf, size));
}

static napi_value walk_resume(napi_env env, napi_callback_info info) {
    napi_value argv[2];
    char procbuf[PATH_MAX];
    const char *proc;
    void *buf;
    size_t size;
    if (!arguments(env, info, 2, argv) || !proc_path(env, argv[0], procbuf, &proc) || !bytes_of(env, argv[1], &buf, &size, NULL, NULL))
        return bad_arguments(env, "walkResume(proc, buffer)");
    return number(env, tsns_walk_resume(proc, buf, size));
}

static napi_value details(napi_env env, napi_callback_info info) {
    napi_value argv[3];
    char procbuf[PATH_MAX];
    const char *proc;
    void *pids, *buf;
    size_t pids_size, count, size;
    napi_typedarray_type kind;
    if (!arguments(env, info, 3, argv) || !proc_path(env, argv[0], procbuf, &proc) || !bytes_of(env, argv[1], &pids, &pids_size, &count, &kind) ||
        kind != napi_int32_array || count > UINT32_MAX || !bytes_of(env, argv[2], &buf, &size, NULL, NULL))
        return bad_arguments(env, "details(proc, Int32Array pids, buffer)");
    return number(env, tsns_details(proc, pids, (uint32_t)count, buf, size));
}

static napi_value relations(napi_env env, napi_callback_info info) {
    napi_value argv[4];
    char procbuf[PATH_MAX];
    const char *proc;
    void *requests, *buf;
    size_t requests_size, size;
    uint32_t n;
    if (!arguments(env, info, 4, argv) || !proc_path(env, argv[0], procbuf, &proc) || !bytes_of(env, argv[1], &requests, &requests_size, NULL, NULL) ||
        !u32_of(env, argv[2], &n) || requests_size / sizeof(struct relations_request) < n || ((uintptr_t)requests & 7) ||
        !bytes_of(env, argv[3], &buf, &size, NULL, NULL))
        return bad_arguments(env, "relations(proc, requests, n, buffer)");
    return number(env, tsns_relations(proc, requests, n, buf, size));
}

/* A copy of a JS string (NUL-terminated, malloc'd), or NULL when it is not a string or memory ran out. */
static char *string_copy(napi_env env, napi_value v) {
    size_t len;
    if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) return NULL;
    char *s = malloc(len + 1);
    if (s && napi_get_value_string_utf8(env, v, s, len + 1, &len) != napi_ok) {
        free(s);
        return NULL;
    }
    return s;
}

static void free_strings(char **list) {
    for (char **p = list; p && *p; p++) free(*p);
    free(list);
}

/* A JS array of strings as a NULL-terminated char* array (malloc'd), or NULL. */
static char **string_list(napi_env env, napi_value v) {
    bool is;
    uint32_t n;
    if (napi_is_array(env, v, &is) != napi_ok || !is || napi_get_array_length(env, v, &n) != napi_ok) return NULL;
    char **list = calloc((size_t)n + 1, sizeof *list);
    for (uint32_t i = 0; list && i < n; i++) {
        napi_value item;
        if (napi_get_element(env, v, i, &item) != napi_ok || !(list[i] = string_copy(env, item))) {
            free_strings(list);
            return NULL;
        }
    }
    return list;
}

static napi_value exec(napi_env env, napi_callback_info info) {
    napi_value argv[3];
    if (!arguments(env, info, 3, argv)) return bad_arguments(env, "execve(path, argv, envp)");
    char *path = string_copy(env, argv[0]);
    char **args = path ? string_list(env, argv[1]) : NULL;
    char **envp = args ? string_list(env, argv[2]) : NULL;
    if (!envp) {
        free(path);
        free_strings(args);
        return bad_arguments(env, "execve(path, string[] argv, string[] envp)");
    }
    execve(path, args, envp);
    int err = errno;
    free(path);
    free_strings(args);
    free_strings(envp);
    return number(env, -err);
}

static napi_value clear_cloexec(napi_env env, napi_callback_info info) {
    napi_value argv[1];
    int32_t fd;
    if (!arguments(env, info, 1, argv) || napi_get_value_int32(env, argv[0], &fd) != napi_ok) return bad_arguments(env, "clearCloexec(fd)");
    int flags = fcntl(fd, F_GETFD);
    if (flags < 0) return number(env, errno == EBADF ? 1 : -errno);
    if ((flags & FD_CLOEXEC) && fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC) < 0) return number(env, -errno);
    return number(env, 0);
}

static napi_value pidfd_open(napi_env env, napi_callback_info info) {
    napi_value argv[1];
    int32_t pid;
    if (!arguments(env, info, 1, argv) || napi_get_value_int32(env, argv[0], &pid) != napi_ok) return bad_arguments(env, "pidfdOpen(pid)");
    long fd = syscall(SYS_pidfd_open, pid, 0);
    return number(env, fd < 0 ? -errno : fd);
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
    static const struct {
        const char *name;
        napi_callback fn;
    } functions[] = {
        {"walk", walk},           {"walkResume", walk_resume},      {"details", details},      {"relations", relations},
        {"execve", exec},         {"clearCloexec", clear_cloexec},  {"pidfdOpen", pidfd_open},
    };
    for (size_t i = 0; i < sizeof functions / sizeof functions[0]; i++) {
        napi_value fn;
        if (napi_create_function(env, functions[i].name, NAPI_AUTO_LENGTH, functions[i].fn, NULL, &fn) != napi_ok ||
            napi_set_named_property(env, exports, functions[i].name, fn) != napi_ok)
            return NULL;
    }
    return exports;
}
