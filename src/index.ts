/**
 * tsns as a library: the scan, model and actions the command line uses.
 *
 * - {@link scan} lists every namespace on the host however it is held, as plain data
 *   (`JSON.stringify(scan())`), with {@link sortedNamespaces} for lsns's order.
 * - {@link listNamespaces} is `tsns ls` as a call (columns from {@link namespaceColumns}), printed
 *   with {@link renderText} or {@link renderJson}.
 * - {@link resolveTarget} turns a TARGET (PID, container, namespace id, pin) into a {@link Target}.
 * - {@link spawnIn} runs a command in a target's namespaces as a ChildProcess; {@link enter} replaces
 *   this process with it (nsenter); {@link runInNewNamespaces} runs one in new namespaces (unshare).
 * - {@link pin}, {@link unpin}, {@link listPins}: namespaces kept alive with no process in them.
 * - Every refusal is a {@link TsnsError} with a stable {@link TsnsErrorCode}; a failed system call
 *   is a {@link SysError} with its errno name as `code`.
 *
 * @packageDocumentation
 */
export * as constants from './constants';
export { isNsType, type NsType } from './sys/constants';
export { SysError, TsnsError, TSNS_ERROR_CODES, type TsnsErrorCode, type MessageParts, type OptionRef } from './sys/errors';

export {
  scan,
  sortedNamespaces,
  readProcessDetails,
  readRelations,
  readNetnsids,
  defaultSources,
  lsnsSources,
  processSource,
  taskSource,
  fdSource,
  socketSource,
  nsfsSource,
  ownPinSource,
  hierarchySource,
  containerSource,
} from './scan';
export type { ScanOptions, ScanModel, Namespace, ProcessInfo, NsSource, NsPath, NsfsMount, Source, ScanModelJson, NamespaceJson, ProcessJson } from './scan';
export type { ScanContext, SocketFd, ResolvedScanOptions } from './scan/context';
export { NS_SOURCES } from './scan/model';

// `tsns ls` as a call: the columns shown decide what is read; the renderers print what tsns ls prints.
export { listNamespaces, type NamespaceQuery, type NamespaceListing } from './report/list';
export { namespaceColumns, renderText, renderJson, compileRowFilter } from './report';
export type { ColumnTable, Column, ColumnNeed, NamespaceColumn, Row, RowSet, TreeKind, RenderContext, RowFilter, TextOptions } from './report';

export { resolveTarget, resolveTargetSync, releaseTarget, type Target } from './target';

export { spawnIn, enter, buildEnterPlan, execPlan, spawnPlan, releaseEnterPlan } from './enter';
export type { SpawnInOptions, EnterOptions, EnterPlan } from './enter';

export { pin } from './pin/pin';
export { pinNamespace, pinAll, unpin, unpinAll, listPins } from './pin';
export type { Pin, PinResult, PinAllResult, PinOptions, UnpinResult, ListPinsOptions } from './pin';

export { runInNewNamespaces } from './run';
export type { RunOptions, Propagation, Setgroups, StageEnd } from './run';

export { discoverContainers, listContainers, pickContainer, resolveContainer } from './containers';
export type { Container, EngineName, DiscoveryOptions } from './containers';
