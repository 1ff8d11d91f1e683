/**
 * The TypeScript end of the stage's sync handshake (native/PROTOCOL.md, `sync=FD`), and the library's
 * way to run a plan: spawn native/tsns-stage as a child and answer the handshake in this process. (The
 * CLI execs the stage instead, which forks a setup helper to answer it: cli/run.ts.) unshare(1)'s
 * signal semantics are the stage's: its waiting parent passes on or ignores what it gets.
 *
 * Handshake on fd 3 (a socketpair): the stage writes `U`, its pid and a newline after unshare; we set up
 * ids, clocks and pins and answer `1` (go), `2` (go, and ask again after fork: a pid pin needs the
 * namespace's first process) or `0` (refused: the stage exits 1 silently; we report). A second round
 * is the forked child's `F`, answered `1` or `0`.
 */
import { spawn } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import { Socket } from 'node:net';
import { TsnsError, errorText } from '../sys/errors';
import { StagePlan } from './plan';
import { NamespaceSetup } from './setup';
import { requireStage } from '../stage';

export interface StageEnd {
  /** Exit code of the stage (the command's, or 1 after a refused setup, 125/126/127), or null when it died by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when our side of the handshake refused; it is the error to report. */
  error?: TsnsError;
}

/** Answer the handshake on `sock`; `fail` gets our side's refusal (the stage is told `0`). */
export function answerHandshake(sock: Socket, setup: NamespaceSetup, fail: (err: TsnsError) => void): void {
  let round = 0;
  let stagePid = 0;
  let heard = '';
  sock.setEncoding('latin1');
  sock.on('error', () => {
    // The stage died mid-handshake: its exit tells the rest.
  });
  sock.on('data', (chunk: string) => {
    heard += chunk;
    for (;;) {
      // `U<pid>\n` after unshare (the pid of the process that unshared: with a pty relay, not the
      // one we started), `F` from the forked child.
      const m = /^(?:U(\d+)\n|F)/.exec(heard);
      if (!m) {
        if (/^(U\d*)?$/.test(heard)) return; // nothing, or the rest is on its way
        fail(new TsnsError(`internal error: unexpected ${JSON.stringify(heard)} from the stage`));
        sock.end('0');
        return;
      }
      heard = heard.slice(m[0].length);
      let answer = '1';
      try {
        if (m[1] !== undefined && round === 0) {
          stagePid = Number(m[1]);
          setup.afterUnshare(stagePid);
          if (setup.needsSecondRound) answer = '2';
        } else if (m[1] === undefined && round === 1) {
          setup.afterFork(stagePid);
        } else {
          throw new TsnsError(`internal error: unexpected ${JSON.stringify(m[0])} from the stage`);
        }
      } catch (err) {
        answer = '0';
        fail(err instanceof TsnsError ? err : new TsnsError((err as Error).message));
      }
      round++;
      sock.write(answer);
      if (answer === '0' || (round === 1 && answer === '1') || round === 2) sock.end();
    }
  });
}

/** Run the stage as a child; resolves when it has ended. */
export function runStage(plan: StagePlan, setup: NamespaceSetup, env: NodeJS.ProcessEnv = process.env): Promise<StageEnd> {
  const stage = requireStage();
  return new Promise((resolve) => {
    let error: TsnsError | undefined;
    let child;
    try {
      child = spawn(stage, [...plan.words, '--', ...plan.argv], {
        stdio: plan.sync ? ['inherit', 'inherit', 'inherit', 'pipe'] : ['inherit', 'inherit', 'inherit'],
        env,
      });
    } catch (err) {
      resolve({ code: 1, signal: null, error: new TsnsError(`cannot run ${stage}: ${errorText(err)}`) });
      return;
    }
    child.once('error', (err) => resolve({ code: 1, signal: null, error: new TsnsError(`cannot run ${stage}: ${errorText(err)}`) }));
    child.once('exit', (code, signal) => resolve({ code, signal, error }));
    if (plan.sync) {
      answerHandshake(child.stdio[3] as Socket, setup, (err) => {
        error ??= err;
      });
    }
  });
}

/** Signal number of a name (for the exit code 128+N shells use). */
export function signalNumber(sig: NodeJS.Signals): number {
  return (osConstants.signals as Record<string, number>)[sig] ?? 0;
}
