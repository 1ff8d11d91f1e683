/**
 * `tsns COMMAND ...`: dispatch to one command module, loaded on demand so that each command pays
 * only for what it uses. Every error reaches the user as one `tsns:` line and a non-zero exit.
 */
import { TsnsError } from '../sys/errors';
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
  ls      list namespaces (lsns)
  enter   run a program in the namespaces of a process, container or pin (nsenter)
  pin     keep a namespace alive with a bind mount (ip netns add)
  unpin   remove pins made with tsns pin
  pins    list pinned namespaces
  run     run a program in new namespaces (unshare)
  debug   a shell in a container's namespaces with the host's tools, its files at $TSNS_TARGET_ROOT
  containers  list the containers of every engine, from their on-disk state (docker ps)
  ps      a target's processes: host PIDs beside the PIDs its namespace gives them
  completion  print a shell completion script (bash, zsh, fish)

Run 'tsns COMMAND --help' for a command's options.
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
  const e = err as { code?: string; message?: string };
  if (e && e.code === 'EPIPE') return 0;
  process.stderr.write(`tsns: ${oneLine(e?.message ?? String(err))}\n`);
  return 1;
}

/** Output that cannot be written (a reader gone, `tsns ls | head`; a full disk) ends the command
 *  quietly or with one line, for every command, never with a stack trace. */
function guardStdout(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    process.exit(reportError(new Error(`cannot write output: ${err.message}`)));
  });
}

export async function main(argv: string[]): Promise<void> {
  guardStdout();
  // TSNS_PROFILE=1: how long each step takes, on stderr (the benchmark reads it).
  if (process.env.TSNS_PROFILE) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    (require('../profile') as typeof import('../profile')).setProfiler((step, ms) => void process.stderr.write(`tsns-profile ${step} ${ms.toFixed(1)} ms\n`));
  }
  const [name, ...args] = argv;
  let code: number;
  try {
    if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
      process.stdout.write(usage);
      code = name === undefined ? 1 : 0;
    } else if (name === '-V' || name === '--version') {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      process.stdout.write(`tsns ${require('../../../package.json').version}\n`);
      code = 0;
    } else if (!Object.hasOwn(commands, name)) {
      throw new TsnsError(`unknown command '${name}'; try 'tsns --help'`);
    } else {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const mod = require(commands[name]) as { run: CommandMain };
      code = (await mod.run(args)) ?? 0;
    }
  } catch (err) {
    code = reportError(err, name);
  }
  process.exitCode = code;
}
