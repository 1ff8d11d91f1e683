/**
 * The command to run when none is given, as util-linux 2.42's ul_default_shell(): $SHELL, else the
 * login shell of the caller's password entry, else /bin/sh.
 *
 * util-linux looks the entry up at exec time, inside the target (after its chroot); tsns reads the
 * caller's entry on the host before joining, because nothing inside a target is opened by path.
 */
import { userInfo } from 'node:os';

export function defaultShell(env: NodeJS.ProcessEnv): string {
  if (env.SHELL) return env.SHELL;
  try {
    const { shell } = userInfo();
    if (shell) return shell;
  } catch {
    // no password entry for our uid
  }
  return '/bin/sh';
}
