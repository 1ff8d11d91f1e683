/**
 * `tsns run [options] [--] [COMMAND [ARG...]]`: run a program in new namespaces, with the options and
 * semantics of util-linux 2.42 unshare(1), plus --hostname. tsns ends as the command ends.
 */
import { parseCommandLine, OptionSpecs, OptionValue, typeAlias } from './args';
import { NS_OPTION, NS_TYPES, NsType } from '../sys/constants';
import { TsnsError } from '../sys/errors';
import { RunOptions, Propagation, Setgroups, resolveRunOptions } from '../run/options';
import { buildPlan } from '../run/plan';
import { setupJson } from '../run/setup';
import { execStage } from '../enter';

const usage = `Usage:
  tsns run [options] [--] [COMMAND [ARG...]]

Run COMMAND in new namespaces, as unshare(1) does. Default COMMAND: $SHELL, else your login shell,
else /bin/sh, as a login shell.
Works unprivileged with --user (-U) and a map (-r, -c, --map-*).

Namespaces (=FILE pins the new namespace on FILE, as 'tsns pin' would: an empty FILE is created if
missing, an existing FILE must be empty, its directory must exist; a mount namespace cannot be pinned on a shared mount; pid and time
need --fork):
 -m, --mount[=FILE]          new mount namespace (--mnt[=FILE] too)
 -u, --uts[=FILE]            new UTS namespace (hostname, domain name)
 -i, --ipc[=FILE]            new System V IPC namespace
 -n, --net[=FILE]            new network namespace
 -p, --pid[=FILE]            new PID namespace (COMMAND is in it only with --fork)
 -U, --user[=FILE]           new user namespace
 -C, --cgroup[=FILE]         new cgroup namespace
 -T, --time[=FILE]           new time namespace

 -f, --fork                  fork before running COMMAND (its PID 1 in a new PID namespace)
     --kill-child[=SIGNAL]   when tsns dies, COMMAND gets SIGNAL (default SIGKILL); implies --fork
     --forward-signals       pass SIGTERM and SIGINT sent to tsns on to COMMAND; implies --fork
                             (without it, a forking tsns ignores SIGTERM and SIGINT while it waits)
     --mount-proc[=DIR]      mount a new proc on DIR (default /proc); implies --mount
     --mount-binfmt[=DIR]    mount the new user namespace's binfmt_misc on DIR (default
                             /proc/sys/fs/binfmt_misc, with --mount-proc); implies --user --mount
 -l, --load-interp RULE      register a binfmt_misc rule (:name:type:offset:magic:mask:interp:flags)
                             there; implies --mount-binfmt
     --propagation MODE      private|shared|slave|unchanged: propagation of / in the new mount
                             namespace (default private)
     --hostname NAME         set the hostname in the new UTS namespace; implies --uts
 -R, --root DIR              run COMMAND with DIR as root (after the namespaces are made)
 -w, --wd DIR                working directory of COMMAND (inside the new root)
     --clear-env             run COMMAND with an empty environment
     --no-pty                give COMMAND your terminal itself, not a new one of its own

User namespace (each map option implies --user):
 -r, --map-root-user         map your uid and gid to root
 -c, --map-current-user      map your uid and gid to themselves
     --map-user UID|NAME     map your uid to UID
     --map-group GID|NAME    map your gid to GID
     --map-users MAP         INNER:OUTER:COUNT (or OUTER,INNER,COUNT), or auto, subids, all; repeatable
     --map-groups MAP        the same for groups
     --map-auto              map the first ranges /etc/subuid and /etc/subgid give you (newuidmap)
     --map-subids            map those ranges onto themselves (inside id = outside id)
     --setgroups allow|deny  whether setgroups(2) is allowed in the new user namespace
     --owner UID:GID         make the new user namespace theirs (a privileged caller on behalf of
                             another user; tsns still maps ids and pins); implies --user
 -S, --setuid UID            run COMMAND with this uid (in the new user namespace)
 -G, --setgid GID            run COMMAND with this gid, no supplementary groups
     --keep-caps             keep the capabilities the user namespace grants across exec

Time namespace (need --time):
     --monotonic SECONDS     offset of CLOCK_MONOTONIC
     --boottime SECONDS      offset of CLOCK_BOOTTIME

 -h, --help                  display this help

tsns exits with COMMAND's status, or dies by the signal that killed it. A refused option, an unknown
user or group, a map the kernel refuses or a pin that cannot be made: one 'tsns:' line, exit 1 (125
when the kernel refused while the namespaces were being made), and nothing pinned or mounted.
`;

// Option name -> namespace type and short letter, as unshare spells them.
const nsOptions: Record<string, { short: string; type: NsType }> = Object.fromEntries(
  NS_TYPES.map((type) => [NS_OPTION[type].long, { short: NS_OPTION[type].short, type }]),
);

// As in unshare's getopt string, the short forms take no file (`-mu` is --mount --uts); only the long
// forms take `=FILE`. The short letters go to hidden boolean options ("-m" cannot be typed as a long name).
const specs: OptionSpecs = {
  ...Object.fromEntries(Object.entries(nsOptions).map(([name, o]) => [name, { kind: 'optional' as const, aliases: typeAlias(o.type) }])),
  ...Object.fromEntries(Object.values(nsOptions).map((o) => [`-${o.short}`, { short: o.short, kind: 'boolean' as const }])),
  fork: { short: 'f', kind: 'boolean' },
  'kill-child': { kind: 'optional' },
  'forward-signals': { kind: 'boolean' },
  'mount-proc': { kind: 'optional' },
  'mount-binfmt': { kind: 'optional' },
  'load-interp': { short: 'l', kind: 'string' },
  propagation: { kind: 'string' },
  hostname: { kind: 'string' },
  root: { short: 'R', kind: 'string' },
  wd: { short: 'w', kind: 'string' },
  'map-root-user': { short: 'r', kind: 'boolean' },
  'map-current-user': { short: 'c', kind: 'boolean' },
  'map-user': { kind: 'string' },
  'map-group': { kind: 'string' },
  'map-users': { kind: 'string', multiple: true },
  'map-groups': { kind: 'string', multiple: true },
  'map-auto': { kind: 'boolean' },
  'map-subids': { kind: 'boolean' },
  setgroups: { kind: 'string' },
  owner: { kind: 'string' },
  'clear-env': { kind: 'boolean' },
  setuid: { short: 'S', kind: 'string' },
  setgid: { short: 'G', kind: 'string' },
  'keep-caps': { kind: 'boolean' },
  monotonic: { kind: 'string' },
  boottime: { kind: 'string' },
  'no-pty': { kind: 'boolean' },
  help: { short: 'h', kind: 'boolean' },
};

function str(v: OptionValue | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function optionalValue(v: OptionValue | undefined): true | string | undefined {
  if (v === undefined || v === false) return undefined;
  return v === true ? true : String(v);
}

/** argv -> RunOptions (no checking beyond the option forms: resolveRunOptions checks the rest). */
export function parseRunArgs(args: string[]): RunOptions | 'help' {
  const { values: v, rest } = parseCommandLine(args, specs, { command: true });
  if (v.help) return 'help';
  const namespaces: RunOptions['namespaces'] = {};
  for (const [name, o] of Object.entries(nsOptions)) {
    const value = optionalValue(v[name]) ?? (v[`-${o.short}`] === true ? true : undefined);
    if (value !== undefined) namespaces[o.type] = value;
  }
  return {
    namespaces,
    fork: v.fork === true,
    killChild: optionalValue(v['kill-child']),
    forwardSignals: v['forward-signals'] === true,
    mountProc: optionalValue(v['mount-proc']),
    mountBinfmt: optionalValue(v['mount-binfmt']),
    loadInterp: str(v['load-interp']),
    propagation: str(v.propagation) as Propagation | undefined,
    hostname: str(v.hostname),
    root: str(v.root),
    wd: str(v.wd),
    mapRootUser: v['map-root-user'] === true,
    mapCurrentUser: v['map-current-user'] === true,
    mapUser: str(v['map-user']),
    mapGroup: str(v['map-group']),
    mapUsers: v['map-users'] as string[] | undefined,
    mapGroups: v['map-groups'] as string[] | undefined,
    mapAuto: v['map-auto'] === true,
    mapSubids: v['map-subids'] === true,
    setgroups: str(v.setgroups) as Setgroups | undefined,
    owner: str(v.owner),
    clearEnv: v['clear-env'] === true,
    setuid: str(v.setuid),
    setgid: str(v.setgid),
    keepCaps: v['keep-caps'] === true,
    monotonic: str(v.monotonic),
    boottime: str(v.boottime),
    command: rest,
    pty: v['no-pty'] !== true,
  };
}

/** The argument after which the stage's setup helper (this file, run by node) finds its spec. */
const SETUP_FLAG = '--tsns-setup-helper';

/**
 * Hand over to the stage by exec (no Node process stays for the command's life). When the new
 * namespaces need ids mapped, clocks set or pins made from outside, the stage forks a short-lived
 * helper before unsharing, as unshare(1) does: node running this file, which answers the stage's
 * handshake with the same NamespaceSetup the library uses, and exits.
 */
export function run(args: string[]): number {
  const options = parseRunArgs(args);
  if (options === 'help') {
    process.stdout.write(usage);
    return 0;
  }
  const spec = resolveRunOptions(options);
  const plan = buildPlan(spec, (setup) => [process.execPath, __filename, SETUP_FLAG, setupJson(setup)]);
  return execStage([...plan.words, '--', ...plan.argv], process.env);
}

/** The setup helper: fd 3 is the stage's end of the handshake. Says why in one line when it refuses. */
function setupHelper(json: string): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { NamespaceSetup, parseSetupJson } = require('../run/setup') as typeof import('../run/setup');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { answerHandshake } = require('../run/stage') as typeof import('../run/stage');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Socket } = require('node:net') as typeof import('node:net');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { reportError } = require('./main') as typeof import('./main');
  const sock = new Socket({ fd: 3, readable: true, writable: true });
  answerHandshake(sock, new NamespaceSetup(parseSetupJson(json)), (err) => {
    // Before the stage hears `0`: the line is out when it exits.
    process.exitCode = reportError(err instanceof TsnsError ? err : new TsnsError(String(err)));
  });
}

if (require.main === module && process.argv[2] === SETUP_FLAG) setupHelper(process.argv[3]);
