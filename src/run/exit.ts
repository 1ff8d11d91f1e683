/**
 * Ending as the command ended: the same exit code, or death by the same signal (as a shell reports
 * it: `$?` is 128+N and `wait` sees WIFSIGNALED).
 */
import { prctl } from '../sys/libc';
import { signalNumber } from './stage';

const PR_SET_DUMPABLE = 4;

/**
 * Die by `sig`: drop any listener, let Node reset the disposition to SIG_DFL (libuv does when the last
 * listener goes, even for SIGPIPE, which Node ignores, and SIGUSR1, its inspector's), switch core
 * dumps off (the command already dumped if it was going to), and send it to ourselves. Returns 128+N
 * for the rare signal whose default action is not to die.
 */
export function dieBySignal(sig: NodeJS.Signals): number {
  if (sig !== 'SIGKILL' && sig !== 'SIGSTOP') {
    process.removeAllListeners(sig);
    const reset = () => {};
    process.on(sig, reset);
    process.removeListener(sig, reset);
  }
  if (
    sig === 'SIGQUIT' ||
    sig === 'SIGSEGV' ||
    sig === 'SIGABRT' ||
    sig === 'SIGBUS' ||
    sig === 'SIGFPE' ||
    sig === 'SIGILL' ||
    sig === 'SIGSYS' ||
    sig === 'SIGTRAP' ||
    sig === 'SIGXCPU' ||
    sig === 'SIGXFSZ'
  ) {
    try {
      prctl(PR_SET_DUMPABLE, 0);
    } catch {
      // no koffi: a core file at worst
    }
  }
  process.kill(process.pid, sig);
  return 128 + signalNumber(sig);
}
