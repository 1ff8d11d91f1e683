/**
 * `tsns run [options] [--] [COMMAND [ARG...]]`: run a program in new namespaces, with the options and
 * semantics of util-linux 2.42 unshare(1), plus --hostname. tsns ends as the command ends.
 */
import { parseCommandLine, OptionSpecs, OptionValue, typeAlias } from './args';
import { NS_OPTION, NS_TYPES, NsType } from '../sys/constants';
import { RunOptions, Propagation, Setgroups, runInNewNamespaces, dieBySignal } from '../run';

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
  };
}

export async function run(args: string[]): Promise<number> {
  const options = parseRunArgs(args);
  if (options === 'help') {
    process.stdout.write(usage);
    return 0;
  }
  const end = await runInNewNamespaces(options);
  if (end.error) throw end.error;
  if (end.signal) return dieBySignal(end.signal);
  return end.code ?? 1;
}
