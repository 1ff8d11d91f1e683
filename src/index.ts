/** tsns as a library: the same scan, model and actions the command line uses. */
export * from './sys/constants';
export { SysError, TsnsError } from './sys/errors';
export { pinNamespace, pinAll, unpin, unpinAll, listPins, resolvePinDestination, checkPinDestination, NETNS_RUN_DIR, PIN_RUN_DIR } from './pin';
export type { Pin, PinResult, PinAllResult, UnpinResult, ListPinsOptions } from './pin';
export { scan, defaultSources, lsnsSources, readRepresentatives, readProcessDetails, readRelations, readNetnsids, sortedNamespaces } from './scan';
export { userName } from './scan/users';
export type { ScanOptions, Source, ResolvedScanOptions, ScanModel, Namespace, ProcessInfo, NsSource, NsfsMount } from './scan';
export { columns, define as defineColumn, findColumn, parseColumnList, namespaceRows, processRows, pruneRows, renderText, renderJson } from './report';
export { parseFilter, evaluateFilter, compileRowFilter, filterCell } from './report';
export type { Column, Row, RowSet, TreeKind, RenderContext, Filter, FilterCell, FilterNode, RowFilter } from './report';
export { enter, buildEnterPlan, execPlan, spawnPlan, stageArgv, stagePath } from './enter';
export type { EnterOptions, EnterPlan } from './enter';
export { runInNewNamespaces, resolveRunOptions, buildPlan as buildRunPlan, parseSignal } from './run';
export type { RunOptions, RunSpec, StageEnd } from './run';
export { listContainers, resolveContainer, containerOfCgroup } from './scan/containers';
export type { ContainerInfo } from './scan/containers';
export { resolveTarget, resolveTargetSync } from './target';
export type { Target } from './target';
