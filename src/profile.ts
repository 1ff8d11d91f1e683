/**
 * Timing hooks for the benchmark (TSNS_PROFILE=1): library code reports how long its steps take to
 * whatever the command line installed; it prints nothing itself.
 */
export type Profiler = (step: string, milliseconds: number) => void;

let profiler: Profiler | undefined;

export function setProfiler(p: Profiler | undefined): void {
  profiler = p;
}

/** Run `step` and report its time, when a profiler is installed. */
export function timed<T>(name: string, step: () => T): T {
  if (!profiler) return step();
  const t0 = process.hrtime.bigint();
  try {
    return step();
  } finally {
    profiler(name, Number(process.hrtime.bigint() - t0) / 1e6);
  }
}
