/** tsns as a library: the same scan, model and actions the command line uses. */
export * from './sys/constants';
export { SysError, TsnsError } from './sys/errors';
export { pinNamespace, pinAll, unpin, unpinAll, listPins, resolvePinDestination, checkPinDestination, NETNS_RUN_DIR, PIN_RUN_DIR } from './pin';
export type { Pin, PinResult, PinAllResult, UnpinResult, ListPinsOptions } from './pin';
export { enter, buildEnterPlan, execPlan, stageArgv, stagePath } from './enter';
export type { EnterOptions, EnterPlan } from './enter';
export { resolveTarget, resolveTargetSync } from './target';
export type { Target } from './target';
