/**
 * Start-up prototypes, for the benchmark only (nothing here is part of tsns): what a single-file bundle
 * of the CLI (esbuild) and a V8 start-up snapshot of that bundle would buy. Built when esbuild can be
 * required (a devDependency it is not; `npm install --no-save esbuild`, or TSNS_BENCH_ESBUILD naming the
 * directory it is installed in); otherwise the benchmark says they were not measured.
 *
 * The bundle is dist/src/tsns-bundle.js (beside the modules, so the stage is found where stage.ts looks).
 * Two things of today's CLI do not survive bundling and are bent here, as a real change would do in
 * the source: the command table's computed require() becomes a static one per command, and `tsns ls`
 * runs the scan with the native walk (bench/walk-sources.ts) — the fd/thread worker re-runs its own
 * file, which in a bundle is the whole CLI.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ROOT } from './measure';

export const BUNDLE = resolve(ROOT, 'dist/src/tsns-bundle.js');
export const SNAPSHOT = resolve(ROOT, 'dist/bench/tsns.blob');
/** The walker library, named for the bundle (walk.ts looks for it relative to its own module). */
export const BUNDLE_ENV = { ...process.env, TSNS_WALK_LIB: resolve(ROOT, 'native/libtsns-walk.so') };

/** The part of esbuild's API used here (esbuild is not a dependency, so its types are not either). */
interface Plugin {
  name: string;
  setup(build: { onLoad(options: { filter: RegExp }, load: (args: { path: string }) => { contents: string; loader: string }): void }): void;
}
interface Esbuild {
  build(options: {
    entryPoints: string[];
    bundle: boolean;
    platform: string;
    target: string;
    external: string[];
    outfile: string;
    logLevel: string;
    plugins: Plugin[];
  }): Promise<unknown>;
}

function loadEsbuild(): Esbuild | undefined {
  for (const dir of [ROOT, process.env.TSNS_BENCH_ESBUILD].filter((d): d is string => !!d)) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      return require(require.resolve('esbuild', { paths: [dir] })) as Esbuild;
    } catch {
      /* not there */
    }
  }
  return undefined;
}

/** Build the bundle; false when esbuild is not installed. */
export async function buildBundle(): Promise<boolean> {
  const esbuild = loadEsbuild();
  if (!esbuild) return false;
  const entry = resolve(ROOT, 'dist/bench/bundle-entry.js');
  writeFileSync(
    entry,
    [
      "'use strict';",
      "if (process.argv[2] === 'ls') require('./walk-sources').useWalker();",
      "require('../src/cli/main').main(process.argv.slice(2));",
      '',
    ].join('\n'),
  );
  const commands = ['ls', 'enter', 'pin', 'unpin', 'pins', 'run'];
  await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    target: 'node20',
    external: ['koffi'],
    outfile: BUNDLE,
    logLevel: 'error',
    plugins: [
      {
        name: 'tsns-static-requires',
        setup(build) {
          build.onLoad({ filter: /dist\/src\/(cli\/main|scan\/sources\/fds)\.js$/ }, (args) => {
            let text = readFileSync(args.path, 'utf8');
            if (args.path.endsWith('main.js')) {
              const table = `({ ${commands.map((c) => `${c}: () => require('./${c}')`).join(', ')} })[name]()`;
              text = text.replace('require(commands[name])', table);
            } else {
              text = text.replace('function holderSourceListed() {', 'function holderSourceListed() {\n    return false;');
            }
            return { contents: text, loader: 'js' };
          });
        },
      },
    ],
  });
  return true;
}

/** Build a V8 start-up snapshot of the bundle (node --build-snapshot); false when it cannot be. */
export function buildSnapshot(): boolean {
  if (!existsSync(BUNDLE)) return false;
  const entry = resolve(ROOT, 'dist/bench/snapshot-entry.js');
  // The bundle's modules, with its entry's statements (esbuild puts them last) run by the snapshot's
  // main instead, where process.argv has no script name: [node, ...arguments].
  const text = readFileSync(BUNDLE, 'utf8');
  const at = text.lastIndexOf('// dist/bench/bundle-entry.js');
  if (at < 0) return false;
  const main = text
    .slice(at)
    .replace(/process\.argv\[2\]/g, 'process.argv[1]')
    .replace(/process\.argv\.slice\(2\)/g, 'process.argv.slice(1)');
  // A snapshot's require() knows only Node's own modules: koffi (a native addon) is required from disk.
  const modules = text.slice(0, at).replace(/require\("koffi"\)/g, `require("module").createRequire(${JSON.stringify(BUNDLE)})("koffi")`);
  writeFileSync(entry, `${modules}\nrequire('v8').startupSnapshot.setDeserializeMainFunction(() => {\n${main}\n});\n`);
  try {
    execFileSync(process.execPath, ['--snapshot-blob', SNAPSHOT, '--build-snapshot', entry], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}
