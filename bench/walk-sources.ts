/**
 * The walker prototype's hook. The native walk is now the scan's own (src/scan/sources/processes.ts):
 * useWalker() changes nothing, and the benchmark's "native walk" rows measure tsns ls itself.
 */
export function useWalker(): void {}
