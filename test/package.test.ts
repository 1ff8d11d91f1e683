/**
 * The package as a user gets it: `npm pack`, then `npm install -g` of the tarball into a temporary
 * prefix (never the host's global one), from a clean directory. The install step builds the native
 * stage and the addon with this machine's compiler; the installed `tsns` lists and enters; a script
 * elsewhere that requires the package by name gets the public API and nothing else; a stage built for
 * another architecture or libc is refused with one `tsns:` line. One pack and one install for the
 * whole file.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { nativeProblem, readElf } from '../src/sys/elf';
import { killAll, unshareProcess, type NsProcess } from './helpers/ns';
import { ok } from './helpers/proc';

const repoRoot = path.resolve(__dirname, '..', '..');
function run(argv: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): SpawnSyncReturns<string> {
  return spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', timeout: 60000, ...options });
}

/** `node -e SCRIPT` in `cwd`: what a script of a user's own project sees. */
function node(cwd: string, script: string, args: string[] = []): SpawnSyncReturns<string> {
  return run([process.execPath, ...args, '-e', script], { cwd });
}

describe('the package (npm pack, npm install -g --prefix)', () => {
  let tmp: string;
  let prefix: string;
  let installed: string; // PREFIX/lib/node_modules/tsns
  let tsnsBin: string;
  let app: string; // a project of its own that has tsns in node_modules
  let target: NsProcess;

  before(async function () {
    this.timeout(120000);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tsns-package-'));
    // --ignore-scripts: `prepare` would rebuild dist/ under the running suite; npm test built it.
    const packed = ok(run(['npm', 'pack', '--ignore-scripts', '--silent', '--pack-destination', tmp], { cwd: repoRoot })).trim();
    const tarball = path.join(tmp, packed.split('\n').pop() as string);
    const clean = path.join(tmp, 'clean');
    fs.mkdirSync(clean);
    prefix = path.join(tmp, 'prefix');
    // The registry is reachable, but the dependencies are in npm's cache since `npm ci`.
    ok(run(['npm', 'install', '-g', '--prefix', prefix, tarball, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: clean }));
    installed = path.join(prefix, 'lib', 'node_modules', 'tsns');
    tsnsBin = path.join(prefix, 'bin', 'tsns');
    app = path.join(tmp, 'app');
    fs.mkdirSync(path.join(app, 'node_modules', '@types'), { recursive: true });
    fs.symlinkSync(installed, path.join(app, 'node_modules', 'tsns'));
    fs.symlinkSync(path.join(repoRoot, 'node_modules', '@types', 'node'), path.join(app, 'node_modules', '@types', 'node'));
    target = await unshareProcess(['--uts'], ['sh', '-c', 'hostname pkg-target && exec sleep 1011'], { ready: 'sleep 1011' });
  });

  after(async () => {
    await killAll();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('the install step built the stage and the addon here; the installed tsns lists namespaces and enters one', () => {
    const stage = path.join(installed, 'native', 'tsns-stage');
    const addon = path.join(installed, 'native', 'tsns.node');
    // Written after npm unpacked the package (and after every file it unpacked): made by the install step.
    const unpacked = ['package.json', 'native/stage.c', 'native/Makefile', 'dist/src/index.js'].map((f) => fs.statSync(path.join(installed, f)).mtimeMs);
    for (const built of [stage, addon]) {
      assert.ok(fs.statSync(built).mtimeMs > Math.max(...unpacked), `${built}: built at install, not the shipped file`);
      assert.equal(nativeProblem(built), undefined);
    }
    const ls = ok(run([tsnsBin, 'ls', '-t', 'uts', '-o', 'NS,PID']));
    assert.match(ls, new RegExp(`^\\s*${target.ns('uts')}\\s+${target.pid}$`, 'm'));
    assert.equal(ok(run([tsnsBin, 'enter', String(target.pid), '-u', '--', 'hostname'])), 'pkg-target\n');
    assert.equal(run([tsnsBin, 'enter', String(target.pid), '-u', '--', 'true']).status, 0);
  });

  it('man pages and shell completion come with it: man finds tsns-ls under the prefix, bash completes from there', () => {
    const manpath = path.join(prefix, 'share', 'man');
    for (const page of ['tsns', 'tsns-ls', 'tsns-enter', 'tsns-completion']) {
      // npm links each page under the prefix; man follows the link into the package.
      assert.ok(fs.lstatSync(path.join(manpath, 'man1', `${page}.1`)).isSymbolicLink(), page);
      const found = ok(run(['man', '-w', page], { env: { ...process.env, MANPATH: manpath } })).trim();
      assert.equal(fs.realpathSync(found), path.join(installed, 'man', 'man1', `${page}.1`));
    }
    const rendered = ok(run(['man', 'tsns-pin'], { env: { ...process.env, MANPATH: manpath, MANWIDTH: '120' } }));
    assert.match(rendered, /--all DIR/);
    for (const rel of ['share/bash-completion/completions/tsns', 'share/zsh/site-functions/_tsns', 'share/fish/vendor_completions.d/tsns.fish']) {
      const link = path.join(prefix, rel);
      assert.equal(fs.realpathSync(link), path.join(installed, rel), `${rel} links into the package`);
    }
    const script = `source ${path.join(prefix, 'share/bash-completion/completions/tsns')}
      COMP_LINE='tsns ls --no'; COMP_POINT=\${#COMP_LINE}; _tsns; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const r = run(['bash', '-c', script], { env: { ...process.env, PATH: `${path.join(prefix, 'bin')}:/usr/bin:/bin` } });
    assert.equal(ok(r), '--noheadings\n--notruncate\n--nowrap\n');
  });

  it('a script that requires tsns by name gets the public API, and no deep import reaches inside', () => {
    const r = node(
      app,
      `const tsns = require('tsns');
       const model = tsns.scan({ types: ['uts'], details: 'none' });
       const deep = ['tsns/dist/src/cli/main', 'tsns/dist/src/sys/libc', 'tsns/dist/src/index.js', 'tsns/bin/tsns', 'tsns/native/tsns-stage'].map((m) => {
         try { require(m); return m + ': loaded'; } catch (e) { return m + ': ' + e.code; }
       });
       console.log(JSON.stringify({ ns: model.namespaces.has(${target.ns('uts')}), types: tsns.constants.NS_TYPES.length, version: require('tsns/package.json').version, deep }));`,
    );
    assert.deepEqual(JSON.parse(ok(r)), {
      ns: true,
      types: 8,
      version: JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')).version,
      deep: [
        'tsns/dist/src/cli/main: ERR_PACKAGE_PATH_NOT_EXPORTED',
        'tsns/dist/src/sys/libc: ERR_PACKAGE_PATH_NOT_EXPORTED',
        'tsns/dist/src/index.js: ERR_PACKAGE_PATH_NOT_EXPORTED',
        'tsns/bin/tsns: ERR_PACKAGE_PATH_NOT_EXPORTED',
        'tsns/native/tsns-stage: ERR_PACKAGE_PATH_NOT_EXPORTED',
      ],
    });
    // From an ES module too: the named exports of the CommonJS entry point.
    const esm = node(app, `import { spawnIn, TsnsError } from 'tsns'; console.log(typeof spawnIn, typeof TsnsError);`, ['--input-type=module']);
    assert.equal(ok(esm), 'function function\n');
  });

  it('TypeScript finds the declarations through the exports map, and no deep import', () => {
    // The resolver of the TypeScript the project builds with, as a user's `moduleResolution: node16`
    // (or bundler) project runs it; the declarations themselves are the ones `npm run build` checked.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const ts = require(path.join(repoRoot, 'node_modules', 'typescript')) as typeof import('typescript');
    const from = path.join(app, 'index.ts');
    for (const moduleResolution of [ts.ModuleResolutionKind.Node16, ts.ModuleResolutionKind.Bundler]) {
      const options = { module: moduleResolution === ts.ModuleResolutionKind.Node16 ? ts.ModuleKind.Node16 : ts.ModuleKind.ESNext, moduleResolution };
      const resolve = (name: string): string | undefined => ts.resolveModuleName(name, from, options, ts.sys).resolvedModule?.resolvedFileName;
      assert.equal(resolve('tsns'), path.join(installed, 'dist', 'src', 'index.d.ts'));
      for (const deep of ['tsns/dist/src/sys/libc', 'tsns/dist/src/index', 'tsns/dist/src/cli/main.js']) assert.equal(resolve(deep), undefined, deep);
    }
    const declarations = fs.readFileSync(path.join(installed, 'dist', 'src', 'index.d.ts'), 'utf8');
    for (const name of ['spawnIn', 'ScanModelJson', 'TsnsErrorCode', 'constants']) assert.match(declarations, new RegExp(`\\b${name}\\b`), name);
  });

  describe('native binaries that cannot run here', () => {
    let stage: string;
    let built: Buffer;

    before(() => {
      stage = path.join(installed, 'native', 'tsns-stage');
      built = fs.readFileSync(stage);
    });

    afterEach(() => fs.writeFileSync(stage, built, { mode: 0o755 }));

    /** The installed stage with its bytes changed by `patch`, as a build for elsewhere would be. */
    function ship(patch: (elf: Buffer) => void): void {
      const copy = Buffer.from(built);
      patch(copy);
      fs.writeFileSync(stage, copy, { mode: 0o755 });
    }

    function refused(args: string[], problem: RegExp): void {
      const r = run([tsnsBin, ...args]);
      assert.equal(r.status, 1, r.stderr);
      assert.equal(r.stderr.split('\n').length, 2, r.stderr);
      assert.match(r.stderr, /^tsns: the exec stage \S+\/native\/tsns-stage cannot run here: /);
      assert.match(r.stderr, problem);
      assert.match(r.stderr, /; rebuild it with 'npm rebuild tsns' \(-g for a global install; needs make and a C compiler\)\n$/);
    }

    it('another architecture (e_machine): one tsns: line from enter and from run, nothing run', () => {
      ship((elf) => elf.writeUInt16LE(183, 18)); // EM_AARCH64
      refused(
        ['enter', String(target.pid), '-u', '--', 'true'],
        /it is built for arm64 \(64-bit, little-endian\), this machine is x64 \(64-bit, little-endian\)/,
      );
      refused(['run', '-u', 'true'], /it is built for arm64/);
    });

    it('another libc (a dynamic loader this system lacks): one tsns: line', () => {
      const glibc = '/lib64/ld-linux-x86-64.so.2';
      const musl = '/lib/ld-musl-x86_64.so.1';
      assert.equal(readElf(stage)?.interpreter, glibc);
      assert.equal(fs.existsSync(musl), false, 'this test needs a host without musl');
      ship((elf) => {
        const at = elf.indexOf(`${glibc}\0`, 0, 'latin1');
        elf.fill(0, at, at + glibc.length);
        elf.write(musl, at, 'latin1');
      });
      refused(
        ['enter', String(target.pid), '-u', '--', 'true'],
        /it is linked for musl: its dynamic loader \/lib\/ld-musl-x86_64\.so\.1 is not on this system/,
      );
    });

    it('not a binary at all (a truncated download): one tsns: line', () => {
      fs.writeFileSync(stage, built.subarray(0, 3), { mode: 0o755 });
      refused(['enter', String(target.pid), '-u', '--', 'true'], /it is not an ELF binary/);
    });

    it('the install step keeps a shipped stage where no compiler is, and says when it cannot run', () => {
      const install = (env: NodeJS.ProcessEnv): SpawnSyncReturns<string> => run([process.execPath, path.join(installed, 'scripts', 'install.js')], { env });
      ship((elf) => elf.writeUInt16LE(183, 18));
      const noCompiler = install({ ...process.env, PATH: '/nonexistent' });
      assert.equal(noCompiler.status, 0, 'an install never fails for the stage');
      assert.match(noCompiler.stderr, /^tsns: make and cc not found: keeping the native parts the package ships\n/);
      assert.match(noCompiler.stderr, /\ntsns: \S+\/tsns-stage cannot run here: it is built for arm64 .*'tsns enter' and 'tsns run' will refuse to start/);
      // With a compiler, the same step builds this machine's stage again.
      const withCompiler = install(process.env);
      assert.equal(withCompiler.status, 0);
      assert.equal(withCompiler.stderr, '');
      assert.equal(nativeProblem(stage), undefined);
      assert.equal(ok(run([tsnsBin, 'enter', String(target.pid), '-u', '--', 'hostname'])), 'pkg-target\n');
    });

    it('a shared library for another libc (koffi ships a musl build of its own): refused, the glibc one accepted', () => {
      const koromix = path.join(repoRoot, 'node_modules', '@koromix');
      const builds = fs.readdirSync(koromix).flatMap((pkg) => fs.readdirSync(path.join(koromix, pkg)).map((dir) => path.join(koromix, pkg, dir, 'koffi.node')));
      const musl = builds.find((f) => /musl_/.test(f) && fs.existsSync(f));
      const glibc = builds.find((f) => /linux_/.test(f) && fs.existsSync(f));
      assert.ok(musl && glibc, `koffi's builds: ${builds}`);
      assert.match(nativeProblem(musl) ?? '', /^it is linked against libc\.musl-[\w-]+\.so\.1, this Node against libc\.so\.6$/);
      assert.equal(nativeProblem(glibc), undefined);
    });

    it('a static build needs no loader: accepted, and it enters', function () {
      this.timeout(30000);
      // The stage's sources, as native/Makefile picks them: every .c file but the addon's.
      const sources = fs.readdirSync(path.join(installed, 'native')).filter((f) => f.endsWith('.c') && f !== 'walk.c' && f !== 'addon.c');
      const out = path.join(tmp, 'tsns-stage-static');
      execFileSync('cc', ['-static', '-O2', '-std=gnu11', '-D_GNU_SOURCE', '-o', out, ...sources], { cwd: path.join(installed, 'native'), stdio: 'ignore' });
      assert.equal(readElf(out)?.interpreter, undefined);
      assert.equal(nativeProblem(out), undefined);
      const r = run([tsnsBin, 'enter', String(target.pid), '-u', '--', 'hostname'], { env: { ...process.env, TSNS_STAGE: out } });
      assert.equal(ok(r), 'pkg-target\n');
    });
  });
});
