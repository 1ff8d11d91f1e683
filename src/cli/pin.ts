/**
 * `tsns pin TARGET TYPE PATH|NAME` and `tsns pin TARGET --all DIR`: keep namespaces alive with bind
 * mounts (what `ip netns attach` does for net).
 */
import { parseCommandLine, OptionSpecs } from './args';
import { NS_TYPES, isNsType } from '../sys/constants';
import { TsnsError } from '../sys/errors';
import { pinAll, pinNamespace, resolvePinDestination } from '../pin';
import { type Target, resolveTarget } from '../target';
import { startTime as processStartTime } from '../proc/stat';

const usage = `Usage:
  tsns pin [options] TARGET TYPE PATH|NAME
  tsns pin [options] TARGET --all DIR

Keep a namespace alive with no process in it: bind-mount its namespace file onto PATH, an empty file
tsns creates (the parent directory must exist). A bare NAME pins net namespaces as /run/netns/NAME
(seen by 'ip netns') and the others as /run/tsns/TYPE/NAME. A pin never hides data: PATH may not be
a file with contents or a file the kernel makes (/proc, /sys); an existing empty file only with
--force. 'tsns unpin' removes the file again only if tsns created it.

TARGET   a PID, a container, a namespace id, or an existing pin (path or name)
TYPE     ${NS_TYPES.join(', ')}

Options:
 -a, --all DIR   pin every namespace of TARGET as DIR/<type>, all or none; those the caller shares
                 with TARGET are skipped (as 'enter --all' skips them) unless TARGET named them (a
                 pin directory, a namespace id); the caller's own mount namespace always
 -f, --force     pin onto an existing empty regular file too (never onto one with contents)
 -v, --verbose   say what was pinned
 -h, --help      display this help

Pinning a namespace where that same namespace is already pinned succeeds and changes nothing.
A mount namespace cannot be pinned on a shared mount: use a NAME or a private directory.
`;

const specs: OptionSpecs = {
  all: { short: 'a', kind: 'boolean' },
  force: { short: 'f', kind: 'boolean' },
  verbose: { short: 'v', kind: 'boolean' },
  help: { short: 'h', kind: 'boolean' },
};

/** The process resolved is still the one running under that PID (not exited, not a reused PID). */
function sameProcess(target: Target): () => void {
  return () => {
    const pid = target.pid ?? target.tid;
    if (pid === undefined || target.startTime === undefined) return;
    if (processStartTime(pid) !== target.startTime) throw new TsnsError(`${target.description} exited while being pinned; nothing pinned`);
  };
}

export async function run(args: string[]): Promise<number> {
  const { values, positionals: words } = parseCommandLine(args, specs, { positionals: 3 });
  if (values.help) {
    process.stdout.write(usage);
    return 0;
  }
  const say = (text: string) => {
    if (values.verbose) process.stdout.write(text + '\n');
  };
  if (values.all) {
    if (words.length !== 2) throw new TsnsError(`usage: tsns pin TARGET --all DIR; try 'tsns pin --help'`);
    const [spec, dir] = words;
    const target = await resolveTarget(spec);
    const force = values.force === true;
    const { pins, skipped } = pinAll(target.files, dir, { verifyOpened: sameProcess(target), named: target.named, force });
    for (const p of pins) say(`${p.alreadyPinned ? 'already pinned' : 'pinned'} ${p.type}:[${p.ns}] on ${p.path}`);
    for (const s of skipped) say(`skipped ${s.type}: ${s.reason}`);
    return 0;
  }
  if (words.length !== 3) throw new TsnsError(`usage: tsns pin TARGET TYPE PATH|NAME; try 'tsns pin --help'`);
  const [spec, type, dest] = words;
  if (!isNsType(type)) throw new TsnsError(`unknown namespace type '${type}' (one of ${NS_TYPES.join(', ')})`);
  const target = await resolveTarget(spec);
  const file = target.files[type];
  if (!file) throw new TsnsError(`${target.description} has no ${type} namespace to pin`);
  const p = pinNamespace(file, type, resolvePinDestination(type, dest), { verifyOpened: sameProcess(target), force: values.force === true });
  say(`${p.alreadyPinned ? 'already pinned' : 'pinned'} ${p.type}:[${p.ns}] on ${p.path}`);
  return 0;
}
