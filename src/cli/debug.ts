/**
 * `tsns debug TARGET [options] [-- COMMAND [ARG...]]`: the target's namespaces with the host's tools,
 * its files at $TSNS_TARGET_ROOT (see src/debug).
 */
import { OptionSpecs, parseCommandLine } from './args';
import { TsnsError } from '../sys/errors';
import { debug } from '../debug';

const SPECS: OptionSpecs = {
  user: { short: 'U', kind: 'boolean' },
  'host-etc': { kind: 'boolean' },
  'target-root': { kind: 'string' },
  'no-pty': { kind: 'boolean' },
  help: { short: 'h', kind: 'boolean' },
};

const USAGE = `Usage: tsns debug TARGET [options] [--] [COMMAND [ARG...]]

Debug a container (or any process) with the host's tools: COMMAND runs in TARGET's network, UTS,
IPC, PID, cgroup and time namespaces, in a private copy of the host's mount namespace where
 /proc                    is a proc of TARGET's PID namespace (ps, top, pgrep show its processes)
 /sys                     is a sysfs of its network namespace (/sys/class/net: its interfaces)
 /etc/resolv.conf, hosts, hostname   are TARGET's (name resolution as in the container)
 $TSNS_TARGET_ROOT        holds TARGET's whole root tree (default /mnt/target, on a tmpfs)
$TSNS_TARGET names TARGET. Nothing changes on the host or in TARGET: no mount, no file; everything
made for COMMAND ends with it. TARGET: what 'tsns enter' takes (PID, container, namespace id, pin).
Default COMMAND: $SHELL, else your login shell.

Options:
 -U, --user               also enter TARGET's user namespace (after the mounts)
     --host-etc           keep the host's /etc/resolv.conf, /etc/hosts and /etc/hostname
     --target-root DIR    attach TARGET's root tree at DIR (an existing directory) instead
     --no-pty             give COMMAND your terminal itself, not a new one of its own (a process
                          in TARGET could then type into your shell)
 -h, --help               display this help
`;

export function run(args: string[]): number {
  const first = parseCommandLine(args, SPECS, { command: true });
  if (first.values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const [target, ...rest] = first.rest;
  if (target === undefined) throw new TsnsError("no target; try 'tsns debug --help'");
  const second = first.dashdash ? { values: {}, rest, dashdash: true } : parseCommandLine(rest, SPECS, { command: true });
  const values = { ...first.values, ...second.values };
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const targetRoot = values['target-root'];
  if (targetRoot === '') throw new TsnsError("option '--target-root' needs a directory");
  return debug({
    target,
    user: values.user === true,
    hostEtc: values['host-etc'] === true,
    targetRoot: typeof targetRoot === 'string' ? targetRoot : undefined,
    pty: values['no-pty'] !== true,
    command: second.rest,
  });
}
