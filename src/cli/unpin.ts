/** `tsns unpin PATH|NAME...`: remove pins; refuses (unmounting nothing) unless every one is an nsfs mount. */
import { parseCommandLine, OptionSpecs } from './args';
import { NS_TYPES, isNsType } from '../sys/constants';
import { TsnsError } from '../sys/errors';
import { unpinAll } from '../pin';

const usage = `Usage:
  tsns unpin [options] PATH|NAME...

Remove pins made by 'tsns pin', 'ip netns add' or any bind mount of a namespace file: lazily unmount
each (MNT_DETACH), then remove the file only if 'tsns pin' created it (or it is an empty file in
/run/netns, as 'ip netns delete' removes it). Every argument is checked first: if one is not a
namespace pin (an nsfs mount), nothing is unmounted. A bare NAME is looked up in /run/netns and
/run/tsns/TYPE. A file that cannot be removed once unmounted is a warning: the unpin stands.

Options:
 -t, --type TYPE  only pins of this type (${NS_TYPES.join(', ')}); also picks among equal NAMEs
 -v, --verbose    say what was unpinned
 -h, --help       display this help
`;

const specs: OptionSpecs = {
  type: { short: 't', kind: 'string' },
  verbose: { short: 'v', kind: 'boolean' },
  help: { short: 'h', kind: 'boolean' },
};

export function run(args: string[]): number {
  const { values, positionals: paths } = parseCommandLine(args, specs, { positionals: Infinity });
  if (values.help) {
    process.stdout.write(usage);
    return 0;
  }
  const type = values.type as string | undefined;
  if (type !== undefined && !isNsType(type)) throw new TsnsError(`unknown namespace type '${type}'`);
  if (!paths.length) throw new TsnsError(`no pin given; try 'tsns unpin --help'`);
  for (const r of unpinAll(paths, type)) {
    if (r.removeError) process.stderr.write(`tsns: warning: unpinned ${r.path}, but cannot remove the file tsns made there: ${r.removeError}\n`);
    if (values.verbose) process.stdout.write(`unpinned ${r.type}:[${r.ns}] from ${r.path}${r.removedFile ? ' (file removed)' : ' (file kept)'}\n`);
  }
  return 0;
}
