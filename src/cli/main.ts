/**
 * `tsns COMMAND ...`: dispatch to one command module, loaded on demand so that each command pays
 * only for what it uses. Every error reaches the user as one `tsns:` line and a non-zero exit.
 */
import { readFileSync, readlinkSync } from 'node:fs';
import { TsnsError, errorText } from '../sys/errors';
import { nearest, parseCommandLine, type OptionSpecs } from './args';
import { cliMessage } from './wording';

export type CommandMain = (args: string[]) => number | void | Promise<number | void>;

/** Command name -> module path (relative to this file) exporting `run(args)`. `__complete` is what
 *  the completion scripts call back (not listed). */
export const commands: Record<string, string> = {
  ls: './ls',
  enter: './enter',
  pin: './pin',
  unpin: './unpin',
  pins: './pins',
  run: './run',
  debug: './debug',
  containers: './containers',
  ps: './ps',
  completion: './completion',
  __complete: './complete',
};

export const usage = `Usage: tsns COMMAND [options]

Commands:
  ls          list namespaces (lsns)
  enter       run a program in the namespaces of a process, container or pin (nsenter)
  pin         keep a namespace alive with a bind mount (ip netns add)
  unpin       remove pins made with tsns pin
  pins        list pinned namespaces
  run         run a program in new namespaces (unshare)
  debug       a shell in a container's namespaces with the host's tools, its files at $TSNS_TARGET_ROOT
  containers  list the containers of every engine, from their on-disk state (docker ps)
  ps          a target's processes: host PIDs beside the PIDs its namespace gives them
  completion  print a shell completion script (bash, zsh, fish)

Run 'tsns COMMAND --help' (or 'tsns help COMMAND') for a command's options.
`;

/** One line, whatever the user typed: control characters (a newline in an argument) are escaped. */
function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** One `tsns:` line for any error; a library error's options in the flags of `command`. */
export function reportError(err: unknown, command?: string): number {
  if (err instanceof TsnsError) {
    process.stderr.write(`tsns: ${oneLine(cliMessage(err, command))}\n`);
    return 1;
  }
  const e = err as { code?: string; message?: string; syscall?: string; path?: string; errno?: number };
  if (e && e.code === 'EPIPE') return 0;
  // A system error Node raised (its message starts with the bare errno name): the call, the file, the words.
  const text = typeof e?.errno === 'number' && e.syscall ? `${e.syscall}${e.path ? ` ${e.path}` : ''}: ${errorText(e)}` : (e?.message ?? String(err));
  process.stderr.write(`tsns: ${oneLine(text)}\n`);
  return 1;
}

/**
 * Whether fd 1 was closed when we started (`tsns ls >&-`). Node reopens a closed fd 0-2 as /dev/null,
 * read-write, before any script runs; that is the only trace it leaves (a shell's `>/dev/null` opens
 * it write-only).
 */
function stdoutWasClosed(): boolean {
  try {
    if (readlinkSync('/proc/self/fd/1') !== '/dev/null') return false;
    const flags = /^flags:\s+([0-7]+)$/m.exec(readFileSync('/proc/self/fdinfo/1', 'latin1'))?.[1];
    return flags !== undefined && (parseInt(flags, 8) & 3) === 2; // O_RDWR
  } catch {
    return false;
  }
}

/** Output that cannot be written ends the command with one line and exit 1, as util-linux's
 *  close_stdout does (`write error`), for every command; a reader gone (`tsns ls | head`) ends it
 *  quietly. Returns whether anything was written to a stdout that was closed. */
function guardStdout(): () => boolean {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    process.exit(reportError(new TsnsError(`write error: ${errorText(err)}`)));
  });
  if (!stdoutWasClosed()) return () => false;
  let written = false;
  // What would have gone to the closed fd is dropped and remembered: nothing was written.
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
    if (chunk.length > 0) written = true;
    const done = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    if (done) process.nextTick(done);
    return true;
  }) as typeof process.stdout.write;
  return () => written;
}

const topSpecs: OptionSpecs = { help: { short: 'h', kind: 'boolean' }, version: { short: 'V', kind: 'boolean' } };

export async function main(argv: string[]): Promise<void> {
  const lostOutput = guardStdout();
  // TSNS_PROFILE=1: how long each step takes, on stderr (the benchmark reads it).
  if (process.env.TSNS_PROFILE) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    (require('../profile') as typeof import('../profile')).setProfiler((step, ms) => void process.stderr.write(`tsns-profile ${step} ${ms.toFixed(1)} ms\n`));
  }
  const [name, ...args] = argv;
  let code: number;
  try {
    if (name === undefined) {
      process.stderr.write(usage);
      code = 1;
    } else if (name === 'help') {
      // `tsns help COMMAND` is `tsns COMMAND --help`.
      code = args.length === 0 ? (process.stdout.write(usage), 0) : await runCommand(args[0], ['--help']);
    } else if (name.startsWith('-')) {
      const { values } = parseCommandLine(argv, topSpecs);
      if (values.version) {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        process.stdout.write(`tsns ${require('../../../package.json').version}\n`);
      } else {
        process.stdout.write(usage);
      }
      code = 0;
    } else {
      code = await runCommand(name, args);
    }
  } catch (err) {
    code = reportError(err, name === 'help' ? args[0] : name);
  }
  if (lostOutput()) code = reportError(new TsnsError('write error'));
  process.exitCode = code;
}

async function runCommand(name: string, args: string[]): Promise<number> {
  if (!Object.hasOwn(commands, name)) {
    const near = nearest(name, Object.keys(commands));
    throw new TsnsError(`unknown command '${name}'; ${near.length ? `did you mean '${near.join("' or '")}'?` : "try 'tsns --help'"}`);
  }
  // A listing is one short pass over /proc: V8's optimizing compiler costs it more than it gives back
  // (npm run bench, 2,500 processes: CPU 355 -> 322 ms, peak RSS 54.6 -> 49.6 MB; 10,000: CPU -10%).
  // Set here, not on bin/tsns's command line, where a flag makes Node reject its built-in code cache
  // and every command, --version too, starts ~6 ms slower (node:v8 is loaded only here, 1.7 ms).
  if (name === 'ls' || name === 'pins' || name === 'containers' || name === 'ps') {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    (require('node:v8') as typeof import('node:v8')).setFlagsFromString('--no-opt');
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(commands[name]) as { run: CommandMain };
  return (await mod.run(args)) ?? 0;
}
