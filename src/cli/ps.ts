/** `tsns ps TARGET`: the target's processes, with their host PIDs beside the PIDs its namespace gives them. */
import { parseCommandLine, OptionSpecs } from './args';
import { TsnsError } from '../sys/errors';
import { processColumns } from '../report/process-columns';
import { listTargetProcesses } from '../report/ps';
import { LISTING_HELP, LISTING_SPECS, parseListing, renderListing } from './listing';

const usage = `Usage:
  tsns ps [options] TARGET

List the processes of TARGET's PID namespace (and of the ones nested in it): their PID on the host
(PID) beside their PID in TARGET's namespace (NSPID, what a container's log calls PID 1 or PID 37),
their parents both ways, their uid on the host (UID, USER) and as TARGET's user namespace maps it
(CUID), and the command. TARGET: what 'tsns enter' takes (PID, container, namespace id, pin).

Options:
${LISTING_HELP}
 -h, --help          display this help

Default columns: PID NSPID PPID USER CUID COMMAND.
`;

const specs: OptionSpecs = {
  ...LISTING_SPECS,
  help: { short: 'h', kind: 'boolean' },
};

export function run(args: string[]): number {
  const { values, positionals } = parseCommandLine(args, specs, { positionals: 1 });
  if (values.help) {
    process.stdout.write(usage);
    return 0;
  }
  // -H needs no target, as lsns -H needs no namespace.
  const listing = parseListing(processColumns, values, ['PID', 'NSPID', 'PPID', 'USER', 'CUID', 'COMMAND']);
  if (listing === 'list-columns') return 0;
  if (positionals.length !== 1) throw new TsnsError("no target; try 'tsns ps --help'");
  const { rows } = listTargetProcesses(positionals[0]);
  process.stdout.write(renderListing(processColumns, listing, rows));
  return 0;
}
