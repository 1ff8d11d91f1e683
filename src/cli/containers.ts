/** `tsns containers`: every container on the host, as its engine names it, from the engines' on-disk state. */
import type { OptionSpecs } from './args';
import { TsnsError } from '../sys/errors';
import { containerColumns } from '../report/container-columns';
import { listContainerRows } from '../report/containers';
import type { EngineName } from '../containers';
import { LISTING_HELP, parseListingCommand, renderListing } from './listing';

const ENGINES: readonly EngineName[] = ['docker', 'podman', 'containerd', 'kubernetes', 'cri-o', 'lxc', 'nspawn', 'runc', 'crun'];

const usage = `Usage:
  tsns containers [options]

List the containers on this host as their engines name them (Docker, podman rootful and each
user's, containerd in every namespace, Kubernetes through containerd's CRI or CRI-O, LXC,
systemd-nspawn, runc/crun), read from the files the engines leave on disk: no engine needs to be up
or reachable.
A name here is a TARGET for enter, debug, pin, ps and 'ls --container'.

Options:
 -e, --engine NAME   only this engine's (repeatable: ${ENGINES.join(', ')})
${LISTING_HELP}
 -h, --help          display this help

Default columns: ENGINE NAME CTRID POD PID STATUS OWN (the namespace types it has of its own).
`;

const specs: OptionSpecs = {
  engine: { short: 'e', kind: 'string', multiple: true },
};

export function run(args: string[]): number {
  const parsed = parseListingCommand(args, specs, usage, containerColumns, () => ['ENGINE', 'NAME', 'CTRID', 'POD', 'PID', 'STATUS', 'OWN']);
  if (!parsed) return 0;
  const { values, listing } = parsed;
  const engines = values.engine as string[] | undefined;
  for (const e of engines ?? []) if (!(ENGINES as readonly string[]).includes(e)) throw new TsnsError(`unknown engine '${e}' (one of ${ENGINES.join(', ')})`);
  const { rows, denied } = listContainerRows({ engines: engines as EngineName[] | undefined });
  process.stdout.write(renderListing(containerColumns, listing, rows));
  // Some state could not be read: say so, as a warning (what was read is listed).
  if (denied.length)
    process.stderr.write(
      `tsns: warning: ${denied.length} engine state ${denied.length > 1 ? 'directories' : 'directory'} could not be read (Permission denied): ${denied.slice(0, 3).join(', ')}${denied.length > 3 ? ', ...' : ''}\n`,
    );
  return 0;
}
