/**
 * Start-up: `tsns --version` and `tsns --help` against a bare `node -e 0`, interleaved (the issue's
 * target: at most 1.2x), on the host as it is.
 */
import { commandSubject, interleave, type Figures } from './measure';
import { TSNS } from './ls';

export interface StartupFigures {
  node: Figures;
  version: Figures;
  help: Figures;
}

export function measureStartup(runs: number): StartupFigures {
  const f = interleave(
    [
      commandSubject('node', [process.execPath, '-e', '0']),
      commandSubject('version', [process.execPath, TSNS, '--version']),
      commandSubject('help', [process.execPath, TSNS, '--help']),
    ],
    runs,
  );
  return { node: f.get('node') as Figures, version: f.get('version') as Figures, help: f.get('help') as Figures };
}
