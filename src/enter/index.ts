/**
 * `tsns enter` as a library: build the plan in TypeScript, then let the single-threaded native stage
 * carry it out. enter() replaces this Node process with the stage (execve), so no Node parent stays
 * behind: the stage forks only where the PID namespace needs it, and then it is the waiting parent
 * that mirrors the command's status and forwards signals.
 */
import type { ChildProcess, SpawnOptions, StdioOptions } from 'node:child_process';
import { TsnsError, errorText } from '../sys/errors';
import { EnterOptions, EnterPlan, buildEnterPlan } from './plan';

export { buildEnterPlan, needsTarget } from './plan';
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
  const stage = requireStage();
  // Node 23.11+ has execve of its own, which also leaves stdio open: no koffi needed.
  const nodeExecve = (process as unknown as { execve?: (file: string, args: string[], env: NodeJS.ProcessEnv) => never }).execve;
  if (typeof nodeExecve === 'function' && plan.keepFds.length === 0 && plan.heldFds.length === 0) {
    try {
      return nodeExecve.call(process, stage, stageArgv(plan), plan.env);
    } catch (err) {
      throw new TsnsError(`cannot run the exec stage ${stage}: ${errorText(err)}`);
    }
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { clearCloexec, execve } = require('../sys/libc') as typeof import('../sys/libc');
  try {
    // Node marked stdio (and every inherited fd below 16) close-on-exec at start-up; the stage and
    // the command need 0-2, and the --preserve-fds ones. The stage closes the rest itself.
    for (const fd of [0, 1, 2, ...plan.keepFds, ...plan.heldFds]) clearCloexec(fd);
    return execve(stage, stageArgv(plan), plan.env);
  } catch (err) {
    throw new TsnsError(`cannot run the exec stage ${stage}: ${errorText(err)}`);
  }
}

/**
 * For a library user who wants to stay: run the plan in a child process (the stage, then the command)
 * and get it back as a ChildProcess. Its exit code and signal are the command's. `options.stdio`
 * covers fds 0-2 (default 'inherit'); fds the plan holds, and --preserve-fds ones, are passed at their
 * own numbers.
 */
export function spawnPlan(plan: EnterPlan, options: SpawnOptions = {}): ChildProcess {
  const stage = requireStage();
  const base = options.stdio ?? 'inherit';
  type StdioEntry = Exclude<StdioOptions, string>[number];
  const stdio: StdioEntry[] = typeof base === 'string' ? [base, base, base] : [...base].slice(0, 3);
  for (const fd of [...plan.heldFds, ...plan.keepFds]) {
    while (stdio.length < fd) stdio.push('ignore');
    stdio[fd] = fd;
  }
  // Loaded here, not at the top: `tsns enter` itself never spawns, and pays start-up for every module.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { spawn } = require('node:child_process') as typeof import('node:child_process');
  return spawn(stage, stageArgv(plan).slice(1), { ...options, argv0: 'tsns-stage', env: options.env ?? plan.env, stdio });
}

/** Enter: build the plan and exec it. Never returns normally. */
export function enter(options: EnterOptions): never {
  return execPlan(buildEnterPlan(options));
}
