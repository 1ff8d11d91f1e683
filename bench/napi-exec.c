/*
 * A start-up prototype for the benchmark (not part of tsns): the three system calls `tsns enter` makes
 * through koffi before it becomes the stage — pidfd_open, fcntl(F_SETFD) and execve — as a Node-API
 * addon, to measure what loading such an addon costs against require('koffi') + koffi.load. Built by
 * the benchmark against Node's headers (/usr/include/node), when they are there.
 *
 *   const addon = process.dlopen-loaded module
 *   addon.pidfdOpen(pid) -> fd or -errno
 *   addon.clearCloexec(fd) -> 0 or -errno
 *   addon.execve(path, argv, env) -> -errno (returns only on failure)
 */
#include <errno.h>
#include <fcntl.h>
#include <node_api.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static napi_value number(napi_env env, long v) {
    napi_value out;
    napi_create_int64(env, v, &out);
    return out;
}

static napi_value pidfd_open(napi_env env, napi_callback_info info) {
    size_t argc = 1;
    napi_value argv[1];
    int32_t pid = 0;
    napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
    napi_get_value_int32(env, argv[0], &pid);
    long fd = syscall(SYS_pidfd_open, pid, 0);
    return number(env, fd < 0 ? -errno : fd);
}

static napi_value clear_cloexec(napi_env env, napi_callback_info info) {
    size_t argc = 1;
    napi_value argv[1];
    int32_t fd = 0;
    napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
    napi_get_value_int32(env, argv[0], &fd);
    int flags = fcntl(fd, F_GETFD);
    if (flags < 0) return number(env, 0);
    return number(env, fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC) < 0 ? -errno : 0);
}

/* A JS array of strings -> a NULL-terminated char *[] (leaked: execve replaces the process). */
static char **strings(napi_env env, napi_value array) {
    uint32_t n = 0;
    napi_get_array_length(env, array, &n);
    char **out = calloc(n + 1, sizeof *out);
    for (uint32_t i = 0; out && i < n; i++) {
        napi_value item;
        size_t len = 0;
        napi_get_element(env, array, i, &item);
        napi_get_value_string_utf8(env, item, NULL, 0, &len);
        out[i] = malloc(len + 1);
        if (out[i]) napi_get_value_string_utf8(env, item, out[i], len + 1, &len);
    }
    return out;
}

static napi_value exec(napi_env env, napi_callback_info info) {
    size_t argc = 3;
    napi_value argv[3];
    napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
    char path[4096];
    size_t len = 0;
    napi_get_value_string_utf8(env, argv[0], path, sizeof path, &len);
    execve(path, strings(env, argv[1]), strings(env, argv[2]));
    return number(env, -errno);
}

static napi_value init(napi_env env, napi_value exports) {
    napi_property_descriptor props[] = {
        {"pidfdOpen", NULL, pidfd_open, NULL, NULL, NULL, napi_default, NULL},
        {"clearCloexec", NULL, clear_cloexec, NULL, NULL, NULL, napi_default, NULL},
        {"execve", NULL, exec, NULL, NULL, NULL, napi_default, NULL},
    };
    napi_define_properties(env, exports, sizeof props / sizeof *props, props);
    return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
