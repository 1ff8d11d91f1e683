/**
 * `tsns enter` as a library: build the plan in TypeScript, then let the single-threaded native stage
 * carry it out. enter() replaces this Node process with the stage (execve), so no Node parent stays
 * behind: the stage forks only where the PID namespace needs it, and then it is the waiting parent
 * that mirrors the command's status and forwards signals.
 */
import type { ChildProcess, SpawnOptions, StdioOptions } from 'node:child_process';
import { TsnsError, errorText } from '../sys/errors';
import { clearCloexec, execve } from '../sys/libc';
import type { Target } from '../target';
import { EnterOptions, EnterPlan, buildEnterPlan, releaseEnterPlan } from './plan';

export { buildEnterPlan, needsTarget, releaseEnterPlan } from './plan';
import { requireStage } from '../stage';
export { requireStage, stagePath } from '../stage';
export type { EnterOptions, EnterPlan } from './plan';

/** The stage's full argv for a plan. */
export function stageArgv(plan: EnterPlan): string[] {
  return ['tsns-stage', ...plan.words, '--', ...plan.argv];
}

/**
 * Replace this process with the stage running the plan. Only returns by throwing (the stage
 * missing, or execve refused). Whatever happens after the exec — a join refused, the command's exit
 * status or death signal — is the stage's to report, as this process.
 */
export function execPlan(plan: EnterPlan): never {
  return execStage([...plan.words, '--', ...plan.argv], plan.env, [...plan.keepFds, ...plan.heldFds]);
}

/**
 * Replace this process with the stage: `args` are its words, `--` and the command; `inherit` the fds
 * above 2 it must get. Shared by enter and run. Only returns by throwing.
 */
export function execStage(args: string[], env: NodeJS.ProcessEnv, inherit: number[] = []): never {
  const stage = requireStage();
  const argv = ['tsns-stage', ...args];
  // Node 23.11+ has execve of its own, which also leaves stdio open: no koffi needed.
  const nodeExecve = (process as unknown as { execve?: (file: string, args: string[], env: NodeJS.ProcessEnv) => never }).execve;
  if (typeof nodeExecve === 'function' && inherit.length === 0) {
    try {
      return nodeExecve.call(process, stage, argv, env);
    } catch (err) {
      throw new TsnsError(`cannot run the exec stage ${stage}: ${errorText(err)}`, 'ENOSTAGE');
    }
  }
  try {
    // Node marked stdio (and every inherited fd below 16) close-on-exec at start-up; the stage and
    // the command need 0-2, and the --preserve-fds ones. The stage closes the rest itself.
    for (const fd of [0, 1, 2, ...inherit]) clearCloexec(fd);
    return execve(stage, argv, env);
  } catch (err) {
    if (err instanceof TsnsError) throw err; // the addon that makes these calls cannot be loaded: it says why
    throw new TsnsError(`cannot run the exec stage ${stage}: ${errorText(err)}`, 'ENOSTAGE');
  }
}

/**
 * For a library user who wants to stay: run the plan in a child process (the stage, then the command)
 * and get it back as a ChildProcess. Its exit code and signal are the command's. `options.stdio`
 * covers fds 0-2 (default 'inherit'); fds the plan holds, and preserveFds ones, are passed at their
 * own numbers. The plan's own fds are closed here once the child has its copies (spawn returns after
 * the child has exec'd): kept open, they would keep those namespaces alive after the command ends.
 */
export function spawnPlan(plan: EnterPlan, options: SpawnOptions = {}): ChildProcess {
  try {
    const stage = requireStage();
    const base = options.stdio ?? 'inherit';
    type StdioEntry = Exclude<StdioOptions, string>[number];
    const stdio: StdioEntry[] = typeof base === 'string' ? [base, base, base] : [...base].slice(0, 3);
    for (const fd of [...plan.heldFds, ...plan.keepFds]) {
      while (stdio.length < fd) stdio.push('ignore');
      stdio[fd] = fd;
    }
    // Loaded here, not at the top: `tsns enter` itself never spawns, and node:child_process costs it ~8 ms.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { spawn } = require('node:child_process') as typeof import('node:child_process');
    return spawn(stage, stageArgv(plan).slice(1), { ...options, argv0: 'tsns-stage', env: options.env ?? plan.env, stdio });
  } finally {
    releaseEnterPlan(plan);
  }
}

/** What spawnIn takes: EnterOptions without the target, and the spawn options that make sense for it. */
export interface SpawnInOptions
  extends Omit<EnterOptions, 'target' | 'targetPid'>, Pick<SpawnOptions, 'stdio' | 'detached' | 'signal' | 'timeout' | 'killSignal'> {}

/**
 * Run `options.command` in namespaces of `target` (a TARGET spec, or a Target from resolveTarget) and
 * return its ChildProcess, as child_process.spawn does (stdio defaults to 'pipe'): its exit code, or
 * the signal that killed it, is the command's. The namespaces are `options.namespaces` (or `all`, or
 * by default every one of the target's that is not already ours), as for enter. Bad input throws a
 * TsnsError before anything starts.
 */
export function spawnIn(target: string | Target, options: SpawnInOptions): ChildProcess {
  const { stdio = 'pipe', detached, signal, timeout, killSignal, ...enterOptions } = options;
  const plan = buildEnterPlan({ ...enterOptions, target });
  const spawnOptions: SpawnOptions = { stdio };
  if (detached !== undefined) spawnOptions.detached = detached;
  if (signal !== undefined) spawnOptions.signal = signal;
  if (timeout !== undefined) spawnOptions.timeout = timeout;
  if (killSignal !== undefined) spawnOptions.killSignal = killSignal;
  return spawnPlan(plan, spawnOptions);
}

/** Enter: build the plan and exec it, replacing this process. Never returns normally. */
export function enter(options: EnterOptions): never {
  const plan = buildEnterPlan(options);
  try {
    return execPlan(plan);
  } catch (err) {
    releaseEnterPlan(plan);
    throw err;
  }
}
