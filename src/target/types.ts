import type { NsType } from '../sys/constants';

/** What a TARGET stands for: the namespaces to join or pin, and where they came from. */
export interface Target {
  /** A live process whose namespaces the target stands for (a container's init, a namespace's member). */
  pid?: number;
  /** A thread that is not its process's leader: its namespaces are `files` (/proc/TID/ns/TYPE). */
  tid?: number;
  /** Namespace files of the target, by type. For a process: /proc/PID/ns/TYPE of every type. */
  files: Partial<Record<NsType, string>>;
  /** What the user named, for messages: `process 1234`, `container web-1`, `net:[4026532180]`. */
  description: string;
  /** The types the spec itself named (a namespace id or a pin): only these are joined by default. */
  named?: NsType[];
  /** Start time of `pid` (or `tid`) in clock ticks (/proc/PID/stat field 22): guards against PID reuse. */
  startTime?: number;
  /** The container, when the spec named one. */
  container?: { id: string; name: string; engine: string; pod?: string };
  /** Descriptors this process holds open for `files` of the form /proc/self/fd/N: a namespace that has
   *  no path (held only by a socket, or only as another namespace's parent or owner). Such a target is
   *  good for one action: the spawnIn, enter or pin that uses it closes them (releaseTarget, unused). */
  fds?: number[];
}

/** Linux never hands out PIDs above 2^22 (PID_MAX_LIMIT); namespace ids start at 0xEFFFFFFA. */
export const PID_MAX_LIMIT = 4194304;
