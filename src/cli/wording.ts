/**
 * The library names options as its callers write them (`fork`, `namespaces.pid`, `mapRootUser`); the
 * command line shows the flags its users type (`--fork`, `--pid`, `--map-root-user`). An error that
 * names options (TsnsError.options) is shown with each one spelled as its command spells it.
 */
import { NS_OPTION, isNsType } from '../sys/constants';
import type { TsnsError } from '../sys/errors';

/** Options a command spells other than `--kebab-case` of their name. */
const SPELLING: Record<string, Record<string, string>> = {
  enter: { target: 'TARGET', targetPid: '--target' },
  pin: { target: 'TARGET' },
  unpin: { type: '-t TYPE' },
};

/** How command `command` spells the library option `name`. */
export function flagOf(command: string | undefined, name: string): string {
  const special = command === undefined ? undefined : SPELLING[command]?.[name];
  if (special) return special;
  const type = /^namespaces\.(\w+)$/.exec(name)?.[1];
  if (type !== undefined && isNsType(type)) return `--${NS_OPTION[type].long}`;
  return `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** The message of `err` in the words of command `command`. */
export function cliMessage(err: TsnsError, command: string | undefined): string {
  return err.options.length ? err.render((name) => flagOf(command, name)) : err.message;
}
