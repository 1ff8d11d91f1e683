/**
 * Run discoverContainers() from dist and print its result as JSON: for the tests that must call it in
 * another mount namespace (the engine node) or as another user. With `--time N`: instead, how long the
 * first call took (what one tsns command pays) and N calls after it (a library user polling), in ms.
 */
import { discoverContainers } from '../../src/containers';

const ms = (t: bigint): number => Number(process.hrtime.bigint() - t) / 1e6;
const timeIndex = process.argv.indexOf('--time');
if (timeIndex < 0) {
  process.stdout.write(JSON.stringify(discoverContainers()));
} else {
  let t = process.hrtime.bigint();
  let result = discoverContainers();
  const first = ms(t);
  const again: number[] = [];
  for (let i = 0; i < Number(process.argv[timeIndex + 1] ?? 0); i++) {
    t = process.hrtime.bigint();
    result = discoverContainers();
    again.push(ms(t));
  }
  process.stdout.write(JSON.stringify({ containers: result.containers.length, first, again }));
}
