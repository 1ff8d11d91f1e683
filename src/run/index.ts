/**
 * Run a command in new namespaces (what unshare(1) does), from Node: the library side of `tsns run`.
 *
 *   const end = await runInNewNamespaces({ namespaces: { user: true, pid: true }, mapRootUser: true,
 *                                          fork: true, mountProc: true, command: ['ps', 'ax'] });
 *   // end.code / end.signal: how the command ended
 */
import { NamespaceSetup } from './setup';
import { buildPlan } from './plan';
import { RunOptions, resolveRunOptions } from './options';
import { StageEnd, runStage } from './stage';

export type { RunOptions, RunSpec, Propagation, Setgroups } from './options';
export { resolveRunOptions, parseSignal } from './options';
export type { IdRange } from './ids';
export { mergeSingle, parseIdRange } from './ids';
export { buildPlan, needsSync } from './plan';
export { NamespaceSetup, setupJson, parseSetupJson } from './setup';
export type { SetupSpec } from './setup';
export { answerHandshake } from './stage';
export type { StageEnd } from './stage';
export { dieBySignal } from './exit';

/**
 * Create the namespaces, set them up, run the command and wait for it (the stage runs as a child of
 * this process, which keeps its own signal handling). Invalid options throw a TsnsError before
 * anything is created; a refusal during setup comes back as `error` (nothing left pinned), with code 1.
 */
export async function runInNewNamespaces(options: RunOptions, env: NodeJS.ProcessEnv = process.env): Promise<StageEnd> {
  const spec = resolveRunOptions(options, env);
  const plan = buildPlan(spec);
  return runStage(plan, new NamespaceSetup(plan.setup), env);
}
