/** `tsns ps TARGET`: the target's processes, with their host PIDs beside the PIDs its namespace gives them. */
import { TsnsError } from '../sys/errors';
import { processColumns } from '../report/process-columns';
import { listTargetProcesses } from '../report/ps';
import { LISTING_HELP, parseListingCommand, renderListing } from './listing';

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

export function run(args: string[]): number {
  const parsed = parseListingCommand(args, {}, usage, processColumns, () => ['PID', 'NSPID', 'PPID', 'USER', 'CUID', 'COMMAND'], { positionals: 1 });
  if (!parsed) return 0;
  if (parsed.positionals.length !== 1) throw new TsnsError("no target; try 'tsns ps --help'");
  const { rows } = listTargetProcesses(parsed.positionals[0]);
  process.stdout.write(renderListing(processColumns, parsed.listing, rows));
  return 0;
}
