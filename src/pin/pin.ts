/** pin(TARGET, TYPE, PATH|NAME): what `tsns pin` does, for a library caller. */
import { isNsType, NS_TYPES, type NsType } from '../sys/constants';
import { TsnsError } from '../sys/errors';
import { startTime } from '../proc/stat';
import { releaseTarget, resolveTargetSync, type Target } from '../target';
import { pinNamespace, resolvePinDestination, type PinResult } from './index';

/** Throws unless the target's process is still the one resolved (not exited, not a reused PID). */
function checkSameProcess(target: Target): void {
  const pid = target.pid ?? target.tid;
  if (pid === undefined || target.startTime === undefined) return;
  if (startTime(pid) !== target.startTime) throw new TsnsError(`${target.description} exited while being pinned; nothing pinned`, 'EGONE');
}

/**
 * Pin the `type` namespace of `target` — a TARGET spec (PID, container, namespace id, pin path or
 * name) or a Target from resolveTarget — at `dest`: a path, or a bare NAME (/run/netns/NAME for net,
 * /run/tsns/TYPE/NAME for the others). For a process, the namespace is opened first and the process
 * then checked to be the one resolved, so a PID reused meanwhile is refused, not pinned. Pinning what
 * is already pinned there succeeds and changes nothing (PinResult.alreadyPinned). `force`: onto an
 * existing empty file too (never one with contents). Throws TsnsError, leaving nothing behind.
 */
export function pin(target: string | Target, type: NsType, dest: string, options: { force?: boolean } = {}): PinResult {
  if (!isNsType(type)) throw new TsnsError(`unknown namespace type '${type}' (one of ${NS_TYPES.join(', ')})`);
  const resolved = typeof target === 'string' ? resolveTargetSync(target) : target;
  try {
    const file = resolved.files[type];
    if (!file) throw new TsnsError(`${resolved.description} has no ${type} namespace to pin`, 'ENOTARGET');
    return pinNamespace(file, type, resolvePinDestination(type, dest), { verifyOpened: () => checkSameProcess(resolved), force: options.force === true });
  } finally {
    releaseTarget(resolved);
  }
}
