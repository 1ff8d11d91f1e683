/**
 * `tsns enter [TARGET] [options] [-- COMMAND [ARG...]]`: nsenter's options (util-linux 2.42), a
 * container, namespace id or pin as TARGET. Parses, builds the plan, execs the native stage.
 */
import { OptionSpecs, OptionValue, parseCommandLine, parseNumber, typeAlias } from './args';
import { NS_OPTION, NS_TYPES, NsType } from '../sys/constants';
import { TsnsError } from '../sys/errors';
import { EnterOptions, buildEnterPlan, needsTarget } from '../enter/plan';
import { execPlan } from '../enter';
import { PID_MAX_LIMIT } from '../target';

const SPECS: OptionSpecs = {
  all: { short: 'a', kind: 'boolean' },
  target: { short: 't', kind: 'string' },
  // -m/--mount[=FILE] ... -T/--time[=FILE]: as nsenter, the short forms take an attached file too.
  // The type's own name is a spelling too (--mnt, as tsns names the type everywhere else).
  ...Object.fromEntries(NS_TYPES.map((t) => [NS_OPTION[t].long, { short: NS_OPTION[t].short, kind: 'optional' as const, aliases: typeAlias(t) }])),
  'net-socket': { short: 'N', kind: 'string' },
  'user-parent': { kind: 'boolean' },
  setuid: { short: 'S', kind: 'string' },
  setgid: { short: 'G', kind: 'string' },
  'preserve-credentials': { kind: 'boolean' },
  'keep-caps': { kind: 'boolean' },
  root: { short: 'r', kind: 'optional' },
  wd: { short: 'w', kind: 'optional' },
  wdns: { short: 'W', kind: 'string' },
  env: { short: 'e', kind: 'boolean' },
  'no-fork': { short: 'F', kind: 'boolean' },
  'join-cgroup': { short: 'c', kind: 'boolean' },
  'preserve-fds': { kind: 'string' },
  'mount-proc': { kind: 'optional' },
  'no-pty': { kind: 'boolean' },
  help: { short: 'h', kind: 'boolean' },
};

const USAGE = `Usage: tsns enter [TARGET] [options] [--] [COMMAND [ARG...]]

Run a program in the namespaces of a process, a container, a namespace id or a pin.
TARGET: PID (PID:INODE: only if its pidfd has that inode), container name or id, namespace id
(4026532180, net:[4026532180]), a namespace file or pin directory path, or a pin name
(/run/netns/NAME, /run/tsns/TYPE/NAME). Default COMMAND: $SHELL, else your login shell.

Options:
 -a, --all                 enter every namespace of the target not already shared (default with no -m..-T)
 -t, --target PID[:INODE]  target process (instead of TARGET)
 -m, --mount[=FILE]        enter the mount namespace (--mnt[=FILE] too)
 -u, --uts[=FILE]          enter the UTS namespace (hostname etc)
 -i, --ipc[=FILE]          enter the System V IPC namespace
 -n, --net[=FILE]          enter the network namespace
 -N, --net-socket FD       enter the network namespace of the target's socket FD
 -p, --pid[=FILE]          enter the pid namespace (forks, unless -F)
 -C, --cgroup[=FILE]       enter the cgroup namespace
 -U, --user[=FILE]         enter the user namespace
     --user-parent         enter the parent of the user namespace
 -T, --time[=FILE]         enter the time namespace
 -S, --setuid UID|follow   set uid in the entered namespaces
 -G, --setgid GID|follow   set gid in the entered namespaces
     --preserve-credentials  do not touch uids or gids
     --keep-caps           keep the capabilities granted in the user namespace
 -r, --root[=DIR]          set the root directory (the target's without DIR)
 -w, --wd[=DIR]            set the working directory (the target's without DIR)
 -W, --wdns DIR            set the working directory inside the namespace
 -e, --env                 use the environment of the target process
 -F, --no-fork             do not fork before running COMMAND
 -c, --join-cgroup         join the cgroup of the target process
     --preserve-fds N      pass fds 3..3+N-1 to COMMAND too (only 0-2 otherwise)
     --mount-proc[=DIR]    a proc of the target's PID namespace (joined for it) on DIR (default /proc),
                           in a private copy of the mount namespace: ps shows the target's processes
     --no-pty              give COMMAND your terminal itself, not a new one of its own (a process
                           in the target could then type into your shell)
 -h, --help                show this help
`;

function idOption(value: OptionValue | undefined, name: string): number | 'follow' | undefined {
  if (value === undefined) return undefined;
  const text = String(value);
  if (text === 'follow') return 'follow';
  const n = parseNumber(text, name);
  if (n > 0xfffffffe) throw new TsnsError(`invalid ${name}: '${text}'`);
  return n;
}

/** getopt hands `-n=FILE` over as "=FILE"; nsenter drops that '=' and so do we. */
function stripEq(text: string): string {
  return text.startsWith('=') ? text.slice(1) : text;
}

function dirOption(value: OptionValue | undefined, option: string): true | string | undefined {
  if (value === undefined) return undefined;
  if (value === true) return true;
  const dir = stripEq(String(value));
  if (dir === '') throw new TsnsError(`option '--${option}=' needs a directory`);
  return dir;
}

/** argv -> EnterOptions. */
export function parseEnterArgs(args: string[]): EnterOptions & { help?: boolean } {
  // First pass: options up to the first positional. Whether that positional is TARGET or the
  // command depends on the options (no TARGET when -t is given or every namespace is a file).
  const first = parseCommandLine(args, SPECS, { command: true });
  let values = first.values;
  let command = first.rest;
  const options = toOptions(values);
  if (values.help) return { help: true };
  if (!first.dashdash && needsTarget(options) && command.length > 0) {
    const [target, ...restArgs] = command;
    const second = parseCommandLine(restArgs, SPECS, { command: true });
    values = { ...values, ...second.values };
    command = second.rest;
    if (values.help) return { help: true };
    return { ...toOptions(values), target, command };
  }
  return { ...options, command };
}

function toOptions(values: Record<string, OptionValue | undefined>): EnterOptions {
  const namespaces: Partial<Record<NsType, true | string>> = {};
  for (const type of NS_TYPES) {
    const v = values[NS_OPTION[type].long];
    if (v === undefined) continue;
    const file = v === true ? true : stripEq(String(v));
    if (file === '') throw new TsnsError(`option '--${NS_OPTION[type].long}=' needs a file`);
    namespaces[type] = file;
  }
  const preserveFds = values['preserve-fds'] === undefined ? undefined : parseNumber(String(values['preserve-fds']), '--preserve-fds');
  // Refused here in the command line's own words; the library says the same without flag names.
  if (preserveFds !== undefined && preserveFds > 1 << 20) throw new TsnsError(`invalid --preserve-fds: '${preserveFds}'`);
  if (values.wd !== undefined && values.wdns !== undefined) throw new TsnsError('--wd and --wdns are mutually exclusive');
  return {
    all: values.all === true,
    targetPid: values.target === undefined ? undefined : parsePid(String(values.target)),
    namespaces,
    setuid: idOption(values.setuid, 'uid'),
    setgid: idOption(values.setgid, 'gid'),
    preserveCredentials: values['preserve-credentials'] === true,
    keepCaps: values['keep-caps'] === true,
    root: dirOption(values.root, 'root'),
    wd: dirOption(values.wd, 'wd'),
    wdns: values.wdns === undefined ? undefined : stripEq(String(values.wdns)),
    env: values.env === true,
    noFork: values['no-fork'] === true,
    joinCgroup: values['join-cgroup'] === true,
    userParent: values['user-parent'] === true,
    netSocket: values['net-socket'] === undefined ? undefined : parseNumber(String(values['net-socket']), '--net-socket fd'),
    preserveFds,
    mountProc: dirOption(values['mount-proc'], 'mount-proc'),
    pty: values['no-pty'] !== true,
  };
}

/** PID, or PID:INODE (the inode of its pidfd, as nsenter 2.42), which the target resolver checks. */
function parsePid(text: string): number | string {
  if (/^\d+:\d+$/.test(text)) return text;
  const pid = parseNumber(text, 'PID');
  // -t is nsenter's PID, never a namespace id (which TARGET also takes).
  if (pid === 0 || pid > PID_MAX_LIMIT) throw new TsnsError(`invalid PID: '${text}'`);
  return pid;
}

export function run(args: string[]): number {
  const options = parseEnterArgs(args);
  if (options.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const plan = buildEnterPlan(options);
  for (const notice of plan.notices) process.stderr.write(`tsns: ${notice}\n`);
  return execPlan(plan);
}
