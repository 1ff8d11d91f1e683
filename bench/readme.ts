/**
 * README carries the latest benchmark figures between two markers; `npm run bench` puts bench/RESULTS.md
 * there (without its title, its sections one level down) so the two never drift apart.
 */
const START = '<!-- bench:start -->\n';
const END = '<!-- bench:end -->';

/** README text with its benchmark block replaced by `results` (the text of bench/RESULTS.md). */
export function embedResults(readme: string, results: string): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start || readme.indexOf(START, start + 1) >= 0 || readme.indexOf(END, end + 1) >= 0) {
    throw new Error('README needs exactly one benchmark block (<!-- bench:start --> ... <!-- bench:end -->)');
  }
  const body = results
    .replace(/^# .*\n+/, '')
    .replace(/^## /gm, '#### ')
    .trimEnd();
  return readme.slice(0, start + START.length) + body + '\n' + readme.slice(end);
}
