/** Loaded with `node --require` in front of bin/tsns by the benchmark: report this process's peak RSS. */
process.on('exit', () => {
  process.stderr.write(`tsns-peak-rss-kb=${process.resourceUsage().maxRSS}\n`);
});
