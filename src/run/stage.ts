/**
 * Start native/tsns-stage with a plan, answer its sync handshake, and wait for it while standing in for
 * the command the way unshare(1)'s own process would: Node stays the parent (JavaScript cannot fork),
 * so the signals sent to tsns are handled as unshare handles them.
 *
 * Handshake on fd 3 (a socketpair from spawn's 'pipe'): the stage writes `U` and its pid after unshare; we set up
 * ids, clocks and pins and answer `1` (go), `2` (go, and ask again after fork: a pid pin needs the
 * namespace's first process) or `0` (refused: the stage exits 125 silently; we report). A second round
 * is the forked child's `F`, answered `1` or `0`.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import { Socket } from 'node:net';
import { isatty } from 'node:tty';
import { TsnsError } from '../sys/errors';
import { StagePlan } from './plan';
import { NamespaceSetup } from './setup';
import { requireStage } from '../stage';

export interface StageEnd {
  /** Exit code of the stage (the command's, or 125/126/127), or null when it died by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when our side of the handshake refused; it is the error to report. */
  error?: TsnsError;
}

export interface SignalPolicy {
  /** Passed on to the stage while it runs. */
  forward: NodeJS.Signals[];
  /** Ignored while it runs. */
  ignore: NodeJS.Signals[];
}

/**
 * unshare(1)'s parent, mirrored:
 * - no fork: tsns stands for the command (unshare would have exec'd it): signals sent to tsns go on to
 *   it, except the terminal's SIGINT/SIGQUIT, which already reached it (we share its process group);
 * - fork with --forward-signals: SIGTERM and SIGINT go on (the stage passes them to the child);
 * - fork without: SIGINT and SIGTERM are ignored (2.42 blocks them: no "impatient parent").
 * With fork, SIGHUP goes on too (a terminal that hangs up ends the command, and then tsns, as it ends
 * nsenter): the stage passes it to the command's process group.
 * With a terminal and fork, the stage gives the command its own foreground process group, so ^C and
 * ^\ reach the command only.
 */
export function signalPolicy(fork: boolean, forwardSignals: boolean): SignalPolicy {
  const terminal = isatty(0) || isatty(1) || isatty(2);
  if (!fork) {
    const forward: NodeJS.Signals[] = ['SIGTERM', 'SIGHUP', 'SIGUSR1', 'SIGUSR2', 'SIGALRM'];
    if (!terminal) forward.push('SIGINT', 'SIGQUIT');
    return { forward, ignore: terminal ? ['SIGINT', 'SIGQUIT'] : [] };
  }
  if (forwardSignals) return { forward: ['SIGTERM', 'SIGINT', 'SIGHUP'], ignore: terminal ? ['SIGQUIT'] : [] };
  return { forward: ['SIGHUP'], ignore: terminal ? ['SIGINT', 'SIGTERM', 'SIGQUIT'] : ['SIGINT', 'SIGTERM'] };
}

function answerHandshake(sock: Socket, setup: NamespaceSetup, fail: (err: TsnsError) => void): void {
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

/** Run the stage; resolves when it has ended. */
export function runStage(plan: StagePlan, setup: NamespaceSetup, policy: SignalPolicy, env: NodeJS.ProcessEnv = process.env): Promise<StageEnd> {
  const stage = requireStage();
  return new Promise((resolve) => {
    let error: TsnsError | undefined;
    // Handlers first: the command may be running before spawn() has returned to us, and a signal
    // meant for it must not kill tsns and orphan it. (JavaScript handlers run only after spawn returns,
    // so `child` is set by then.)
    let child: ChildProcess | undefined;
    const handlers = new Map<NodeJS.Signals, () => void>();
    const forward = (sig: NodeJS.Signals) => () => {
      try {
        if (child?.pid) process.kill(child.pid, sig);
      } catch {
        // already gone
      }
    };
    for (const sig of policy.forward) handlers.set(sig, forward(sig));
    for (const sig of policy.ignore) handlers.set(sig, () => {});
    for (const [sig, h] of handlers) process.on(sig, h);
    try {
      child = spawn(stage, [...plan.words, '--', ...plan.argv], {
        stdio: plan.sync ? ['inherit', 'inherit', 'inherit', 'pipe'] : ['inherit', 'inherit', 'inherit'],
        env,
      });
    } catch (err) {
      for (const [sig, h] of handlers) process.removeListener(sig, h);
      resolve({ code: 1, signal: null, error: new TsnsError(`cannot run ${stage}: ${(err as Error).message}`) });
      return;
    }
    const done = (end: StageEnd) => {
      for (const [sig, h] of handlers) process.removeListener(sig, h);
      resolve(end);
    };
    child.once('error', (err) => {
      done({ code: 1, signal: null, error: new TsnsError(`cannot run ${stage}: ${err.message}`) });
    });
    child.once('exit', (code, signal) => done({ code, signal, error }));
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
