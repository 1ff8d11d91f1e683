/** Source: the CONTAINER column — the container whose init is each namespace's topmost member (see
 *  markContainers). Runs only when ScanOptions.containers asks: it reads the engines' state. */
import { markContainers } from '../containers';
import type { Source } from '../context';

export const containerSource: Source = function containerSource(ctx) {
  if (!ctx.options.containers) return;
  const { containers, denied } = markContainers(ctx.model, ctx.mountNamespaces);
  ctx.model.containers = containers;
  ctx.model.containerStateDenied = denied;
};
