/** tsns as a library: the same scan, model and actions the command line uses. */
export * from './sys/constants';
export { SysError, TsnsError } from './sys/errors';
