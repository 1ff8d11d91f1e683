/** `tsns pins`: every pinned namespace (nsfs bind mount), the processes still in it, through the pin column registry. */
import type { OptionSpecs } from './args';
import { NS_TYPES, NsType, isNsType } from '../sys/constants';
import { TsnsError } from '../sys/errors';
import { listPins } from '../pin';
import { pinColumns, type PinRow } from '../report/pin-columns';
import { LISTING_HELP, parseListingCommand, renderListing } from './listing';

const usage = `Usage:
  tsns pins [options]

List pinned namespaces: nsfs bind mounts made by 'tsns pin', 'ip netns add', 'unshare --net=FILE' ...

Options:
 -t, --type TYPE     only this type (repeatable: ${NS_TYPES.join(', ')})
 -A, --all-mounts    also pins in every other mount namespace (column MNTNS tells which)
${LISTING_HELP}
 -h, --help          display this help

Default columns: PATH TYPE NS NPROCS (processes still inside), and MNTNS with -A.
`;

const specs: OptionSpecs = {
  type: { short: 't', kind: 'string', multiple: true },
  'all-mounts': { short: 'A', kind: 'boolean' },
};

export function run(args: string[]): number {
  const parsed = parseListingCommand(args, specs, usage, pinColumns, (v) => ['PATH', 'TYPE', 'NS', 'NPROCS', ...(v['all-mounts'] ? ['MNTNS'] : [])]);
  if (!parsed) return 0;
  const { values, listing } = parsed;
  const allMounts = Boolean(values['all-mounts']);
  const types = values.type as string[] | undefined;
  for (const t of types ?? []) if (!isNsType(t)) throw new TsnsError(`unknown namespace type '${t}'`);
  const rows: PinRow[] = listPins({ types: types as NsType[] | undefined, allMountNamespaces: allMounts }).map((pin) => ({ pin, children: [] }));
  process.stdout.write(renderListing(pinColumns, listing, rows));
  return 0;
}
