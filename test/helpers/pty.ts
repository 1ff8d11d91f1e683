/**
 * A real terminal for tests: python3's pty module runs a program as the session leader of a fresh
 * pseudo-terminal, as a terminal emulator would. The test types into it, reads what it shows, resizes
 * it, and can close the master (the terminal window goes away: the kernel hangs the session up).
 *
 *   const term = startTerminal(['bash', '--norc', '-i']);
 *   await term.waitForOutput(/\$ $/);
 *   term.type('echo hi\r');
 *   term.closeMaster();
 *   const end = await term.ended;           // how the session leader ended
 *
 * The harness talks JSON lines: events on its stdout, commands on its stdin.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { constants as osConstants, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { sleep } from './proc';

const HARNESS = String.raw`
import base64, fcntl, json, os, pty, select, struct, sys, termios
argv = json.loads(sys.argv[1])
rows, cols = int(sys.argv[2]), int(sys.argv[3])
pid, master = pty.fork()
if pid == 0:
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack('HHHH', rows, cols, 0, 0))
    os.execvp(argv[0], argv)
def emit(event):
    os.write(1, (json.dumps(event) + '\n').encode())
emit({'pid': pid})
pending = b''
ended = False
while True:
    readable, _, _ = select.select([0] + ([master] if master is not None else []), [], [], 0.02)
    if master is not None and master in readable:
        try:
            data = os.read(master, 65536)
        except OSError:
            data = b''
        if data:
            emit({'out': base64.b64encode(data).decode()})
        else:
            # Nobody holds the terminal any more (EIO): nothing more will come.
            os.close(master)
            master = None
    if 0 in readable:
        chunk = os.read(0, 65536)
        if not chunk:
            break
        pending += chunk
        while b'\n' in pending:
            line, pending = pending.split(b'\n', 1)
            command = json.loads(line)
            if master is None:
                continue
            if 'type' in command:
                os.write(master, base64.b64decode(command['type']))
            if 'winsize' in command:
                fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack('HHHH', command['winsize'][0], command['winsize'][1], 0, 0))
            if command.get('close'):
                os.close(master)
                master = None
    if not ended:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            ended = True
            emit({'status': os.waitstatus_to_exitcode(status)})
`;

const SIGNALS = new Map(Object.entries(osConstants.signals).map(([name, n]) => [n as number, name as NodeJS.Signals]));

export interface TerminalEnd {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Terminal {
  /** PID of the program started in the terminal (the session leader). */
  pid: Promise<number>;
  /** Everything the terminal has shown so far. */
  output(): string;
  /** Resolves once the output from offset `from` on matches. */
  waitForOutput(pattern: RegExp, from?: number, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Keystrokes, as bytes the terminal sends (\r for Enter, \x03 for ^C, \x1a for ^Z). */
  type(text: string): void;
  resize(rows: number, cols: number): void;
  /** The terminal goes away (a closed window, a dropped ssh connection). */
  closeMaster(): void;
  /** How the session leader ended. */
  ended: Promise<TerminalEnd>;
  /** Ends the harness (and with it the master). */
  dispose(): void;
  harness: ChildProcess;
}

export function startTerminal(argv: string[], options: { env?: NodeJS.ProcessEnv; rows?: number; cols?: number; cwd?: string } = {}): Terminal {
  const harness = spawn('python3', ['-c', HARNESS, JSON.stringify(argv), String(options.rows ?? 24), String(options.cols ?? 80)], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: options.env ?? process.env,
    cwd: options.cwd,
  });
  let shown = '';
  let pending = '';
  const waiters: Array<() => void> = [];
  let resolvePid: (pid: number) => void = () => {};
  let resolveEnd: (end: TerminalEnd) => void = () => {};
  const pid = new Promise<number>((resolve) => (resolvePid = resolve));
  const ended = new Promise<TerminalEnd>((resolve) => (resolveEnd = resolve));
  harness.stdout?.setEncoding('utf8');
  harness.stdout?.on('data', (chunk: string) => {
    pending += chunk;
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const event = JSON.parse(pending.slice(0, nl)) as { pid?: number; out?: string; status?: number };
      pending = pending.slice(nl + 1);
      if (event.pid !== undefined) resolvePid(event.pid);
      if (event.out !== undefined) shown += Buffer.from(event.out, 'base64').toString('latin1');
      if (event.status !== undefined) {
        resolveEnd(event.status >= 0 ? { code: event.status, signal: null } : { code: null, signal: SIGNALS.get(-event.status) ?? null });
      }
      for (const w of waiters.splice(0)) w();
    }
  });
  const send = (command: object) => harness.stdin?.write(`${JSON.stringify(command)}\n`);
  return {
    pid,
    ended,
    harness,
    output: () => shown,
    waitForOutput(pattern, from = 0, timeoutMs = 10000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`timed out waiting for ${pattern} in the terminal; it shows: ${JSON.stringify(shown.slice(from))}`)),
          timeoutMs,
        );
        const check = () => {
          const m = pattern.exec(shown.slice(from));
          if (m) {
            clearTimeout(timer);
            resolve(m);
          } else waiters.push(check);
        };
        check();
      });
    },
    type: (text) => send({ type: Buffer.from(text, 'latin1').toString('base64') }),
    resize: (rows, cols) => send({ winsize: [rows, cols] }),
    closeMaster: () => send({ close: true }),
    dispose() {
      harness.stdin?.end();
      if (harness.exitCode === null) harness.kill('SIGKILL');
    },
  };
}

/** A process by PID and start time (field 22 of /proc/PID/stat): gone, or a zombie, counts as ended. */
export interface ProcessRef {
  pid: number;
  start: string;
}

function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

export function processRef(pid: number): ProcessRef | undefined {
  const f = statFields(pid);
  return f ? { pid, start: f[19] } : undefined;
}

/** Still running (not gone, not a zombie, not a new process under the same PID). */
export function running(p: ProcessRef): boolean {
  const f = statFields(p.pid);
  return f !== undefined && f[19] === p.start && f[0] !== 'Z';
}

/** All descendants, through /proc/PID/task/TID/children. */
export function descendantsOf(pid: number): number[] {
  const out: number[] = [];
  const walk = (p: number) => {
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`/proc/${p}/task`);
    } catch {
      return;
    }
    for (const t of tasks) {
      let kids = '';
      try {
        kids = readFileSync(`/proc/${p}/task/${t}/children`, 'utf8');
      } catch {
        continue;
      }
      for (const k of kids.split(' ').filter(Boolean).map(Number)) {
        out.push(k);
        walk(k);
      }
    }
  };
  walk(pid);
  return out;
}

/** Poll until `probe` returns something; undefined after the timeout. */
async function poll<T>(probe: () => T | undefined, timeoutMs: number): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined || Date.now() > deadline) return v;
    await sleep(10);
  }
}

/**
 * Start `argv` in a fresh terminal, wait until `count` processes named `command` run under it, then
 * close the terminal. Returns how the session leader ended (or 'running' after `timeoutMs`) and the
 * processes of its tree still running `timeoutMs` later; those are killed, by PID and start time.
 */
export async function hangUp(
  argv: string[],
  options: { command?: string; count?: number; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<{ end: TerminalEnd | 'running'; left: string[] }> {
  const { command = 'sleep', count = 1, timeoutMs = 5000 } = options;
  const term = startTerminal(argv, { env: options.env, cwd: '/' });
  try {
    const top = await term.pid;
    const comm = (pid: number) => {
      try {
        return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      } catch {
        return undefined;
      }
    };
    const ready = await poll(() => (descendantsOf(top).filter((p) => comm(p) === command).length >= count ? true : undefined), 15000);
    if (!ready) throw new Error(`${command} never started under ${argv.join(' ')}; the terminal shows ${JSON.stringify(term.output())}`);
    const tree = [top, ...descendantsOf(top)].map(processRef).filter((p): p is ProcessRef => p !== undefined);
    const names = new Map(tree.map((p) => [p.pid, comm(p.pid) ?? '?']));
    term.closeMaster();
    const end = await Promise.race([term.ended, sleep(timeoutMs).then(() => 'running' as const)]);
    await poll(() => (tree.some(running) ? undefined : true), timeoutMs);
    const left = tree.filter(running);
    for (const p of left) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
    return { end, left: left.map((p) => `${names.get(p.pid)} (${p.pid})`) };
  } finally {
    term.dispose();
  }
}

export const PROMPT = 'tsns-test$ ';

export interface Shell {
  term: Terminal;
  /** Types a command line; resolves with what the shell showed until its next prompt. */
  run(line: string, timeoutMs?: number): Promise<string>;
}

/** An interactive bash in a fresh terminal, as a user's shell (job control on: it leads the session). */
export async function startShell(env: NodeJS.ProcessEnv = process.env): Promise<Shell> {
  // bash takes no PS1 from its environment: an rc file of our own sets it (and keeps readline quiet).
  const rc = join(mkdtempSync(join(tmpdir(), 'tsns-shell-')), 'rc');
  writeFileSync(rc, `PS1='${PROMPT}'\nHISTFILE=/dev/null\nbind 'set enable-bracketed-paste off'\nrm -rf ${dirname(rc)}\n`);
  const term = startTerminal(['bash', '--noprofile', '--rcfile', rc, '-i'], { env: { ...env, TERM: 'dumb' }, cwd: '/' });
  const prompt = /(\r?\n)?tsns-test\$ $/;
  await term.waitForOutput(prompt, 0, 15000);
  return {
    term,
    async run(line, timeoutMs = 15000) {
      const from = term.output().length;
      term.type(`${line}\r`);
      const m = await term.waitForOutput(prompt, from, timeoutMs);
      const shown = term.output().slice(from, from + m.index);
      // Drop the echo of the line itself.
      const echo = shown.indexOf('\n');
      return echo < 0 ? '' : shown.slice(echo + 1).replace(/\r\n/g, '\n');
    },
  };
}
