/** tsns as a library: the same scan, model and actions the command line uses. */
export * from './sys/constants';
export { SysError, TsnsError } from './sys/errors';
export { pinNamespace, pinAll, unpin, unpinAll, listPins, resolvePinDestination, checkPinDestination, NETNS_RUN_DIR, PIN_RUN_DIR } from './pin';
export type { Pin, PinResult, PinAllResult, UnpinResult, ListPinsOptions } from './pin';
