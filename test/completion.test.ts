/**
 * Shell completion as a user meets it: bash with `tsns completion bash` sourced, asked the way
 * readline asks (COMP_LINE, COMP_POINT, COMP_WORDS, COMP_CWORD, COMP_WORDBREAKS), answering with
 * options from --help and live values: a process, a runc container, a pin, namespace ids, files.
 * fish answers through its own `complete -C`; zsh's script is run with compadd standing in.
 * The man pages are the --help texts: every option of every command is in its page.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startContainer, stopAllContainers, type Container } from './fixtures/runc';
import { addNetns, killAll, removeAllNetns, unshareProcess, type NsProcess } from './helpers/ns';
import { ok } from './helpers/proc';
import { commandList, helpOf, helpOptions } from '../src/cli/help';
import { COMPLETION_PATHS } from '../src/cli/completion';

const repoRoot = path.resolve(__dirname, '..', '..');
const env = { ...process.env, PATH: `${path.join(repoRoot, 'bin')}:${process.env.PATH}` };

/** What bash completes for each line (the cursor at its end): COMPREPLY, one list per line. One bash
 *  for all of them (each TAB still runs `tsns __complete`, as it does for a user). */
function bashAll(lines: string[]): string[][] {
  const script = `
    source <(tsns completion bash)
    for COMP_LINE in "$@"; do
      COMP_POINT=\${#COMP_LINE}
      read -ra COMP_WORDS <<< "$COMP_LINE"
      [[ $COMP_LINE == *' ' ]] && COMP_WORDS+=('')
      COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 ))
      COMPREPLY=()
      _tsns tsns "\${COMP_WORDS[COMP_CWORD]}" "\${COMP_WORDS[COMP_CWORD-1]}"
      printf '%s\\n' "\${COMPREPLY[@]}"
      printf '\\036\\n'
    done`;
  const r = spawnSync('bash', ['-c', script, 'bash', ...lines], { encoding: 'utf8', env, timeout: 60000 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout
    .split('\x1e\n')
    .slice(0, lines.length)
    .map((out) => out.split('\n').filter(Boolean));
}

/** Each line with what bash must complete for it, checked in one bash. */
function expectBash(cases: Array<[string, string[] | ((got: string[]) => boolean)]>): void {
  const got = bashAll(cases.map(([line]) => line));
  cases.forEach(([line, want], i) => {
    if (typeof want === 'function') assert.ok(want(got[i]), `${line}: ${JSON.stringify(got[i])}`);
    else assert.deepEqual(got[i], want, line);
  });
}

describe('shell completion and man pages', () => {
  let target: NsProcess;
  let container: Container;
  let tmp: string;
  const pinName = `tsns-pin-compl-${process.pid}`;

  before(async function () {
    this.timeout(60000);
    target = await unshareProcess(['--uts'], ['sleep', '1012']);
    container = startContainer({ id: `tsns-compl-${process.pid}` });
    addNetns(pinName); // a pin by name, /run/netns/NAME, as ip netns makes it
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tsns-compl-'));
    fs.mkdirSync(path.join(tmp, 'a dir'));
    fs.writeFileSync(path.join(tmp, 'file'), '');
  });

  after(async () => {
    removeAllNetns();
    stopAllContainers();
    await killAll();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  describe('bash', () => {
    it('commands, and the options of each command from its --help', () => {
      expectBash([
        ['tsns ', ['ls', 'enter', 'pin', 'unpin', 'pins', 'run', 'debug', 'containers', 'ps', 'completion']],
        ['tsns pi', ['pin', 'pins']],
        ['tsns ls --no', ['--noheadings', '--notruncate', '--nowrap']],
        ['tsns enter 1 --user', ['--user', '--user-parent']],
        ...commandList().map(({ name }): [string, string[]] => [`tsns ${name} --`, helpOptions(helpOf(name)).map((o) => `--${o.long}`)]),
      ]);
    });

    it('option values: types, columns (the last of a list), tree kinds, signals, propagation', () => {
      expectBash([
        ['tsns ls -t u', ['user', 'uts']],
        ['tsns pins --type n', ['net']],
        ['tsns ls -o NS,TY', ['NS,TYPE']],
        ['tsns ls --output +NPR', ['+NPROCS']],
        ['tsns pins -o PATH,MNT', ['PATH,MNTNS']],
        // bash breaks words at '=': what it is given back is the part after it.
        ['tsns ls --tree=p', ['parent', 'process']],
        ['tsns run --kill-child=SIGTER', ['SIGTERM']],
        ['tsns run --propagation s', ['shared', 'slave']],
        ['tsns completion ', ['bash', 'zsh', 'fish']],
      ]);
    });

    it('live targets: a PID, a container by name, a pin by name, a namespace id', () => {
      const uts = String(target.ns('uts'));
      expectBash([
        [`tsns enter ${target.pid}`, (got) => got.includes(String(target.pid))],
        ['tsns ls -p ', (got) => got.includes(String(target.pid))],
        [`tsns enter ${container.id.slice(0, -1)}`, [container.id]],
        [`tsns enter ${pinName.slice(0, -2)}`, [pinName]],
        [`tsns unpin ${pinName.slice(0, -2)}`, [pinName]],
        // bash breaks words at ':' too; the brackets are escaped as bash would insert them.
        ['tsns enter uts:', (got) => got.includes(`\\[${uts}\\]`)],
        [`tsns ls ${uts.slice(0, -1)}`, (got) => got.includes(uts)],
      ]);
    });

    it('files for =FILE and paths, programs for the command, types and names for pin', () => {
      expectBash([
        // After '=' (a word break), and with the blank escaped as bash would insert it.
        [`tsns enter ${target.pid} --net=${tmp}/`, [`${tmp}/a\\ dir/`, `${tmp}/file`]],
        [`tsns run --mount-proc=${tmp}/`, [`${tmp}/a\\ dir/`]],
        [`tsns enter ${target.pid} hostn`, (got) => got.includes('hostname')],
        ['tsns run -- hostn', (got) => got.includes('hostname')],
        [`tsns pin ${target.pid} ut`, ['uts']],
        [`tsns pin ${target.pid} --all ${tmp}/a`, [`${tmp}/a\\ dir/`]],
        // After the command, its own options are not tsns's.
        [`tsns enter ${target.pid} ls --no`, []],
      ]);
    });
  });

  it('fish: its complete -C gives the same candidates, with descriptions', () => {
    const script = path.join(repoRoot, COMPLETION_PATHS.fish);
    const r = spawnSync(
      'fish',
      ['-c', `source ${script}; complete -C'tsns ls -t u'; complete -C'tsns ls --ty'; complete -C'tsns enter ${container.id.slice(0, -1)}'`],
      {
        encoding: 'utf8',
        env,
        timeout: 30000,
      },
    );
    assert.equal(
      ok(r),
      `user\nuts\n--type\tnamespace type (mnt, net, ipc, user, pid, uts, cgroup, time)\n${container.id}\trunc container, PID ${container.pid}\n`,
    );
  });

  it('zsh: the script hands the candidates to compadd, values waiting for more without a space', () => {
    const script = path.join(repoRoot, COMPLETION_PATHS.zsh);
    const run = (line: string): string =>
      ok(
        spawnSync(
          'zsh',
          [
            '-f',
            '-c',
            `autoload -Uz compinit && compinit -u -D && source ${script} && compadd() { print -r -- "compadd $*" } && BUFFER=$1 && CURSOR=\${#BUFFER} && _tsns`,
            'zsh',
            line,
          ],
          { encoding: 'utf8', env, timeout: 30000 },
        ),
      );
    assert.equal(run('tsns ls -t u'), 'compadd -U -d descriptions -- user uts\n');
    assert.equal(run(`tsns run --mount-proc=${tmp}/`), `compadd -U -S  -- --mount-proc=${tmp}/a dir/\n`);
  });

  it('a man page per command, from its --help: every option in it, and groff has nothing to say', () => {
    const pages = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')).man as string[];
    assert.deepEqual(pages.sort(), ['tsns', ...commandList().map((c) => `tsns-${c.name}`)].map((n) => `./man/man1/${n}.1`).sort());
    for (const command of [undefined, ...commandList().map((c) => c.name)]) {
      const page = path.join(repoRoot, 'man', 'man1', `${command ? `tsns-${command}` : 'tsns'}.1`);
      const warnings = spawnSync('groff', ['-man', '-Tutf8', '-ww', '-z', page], { encoding: 'utf8' });
      assert.equal(warnings.stderr, '', page);
      const text = ok(spawnSync('man', ['-l', page], { encoding: 'utf8', env: { ...process.env, MANWIDTH: '200' } })).replace(/[\u2010\u2212]/g, '-');
      for (const o of command ? helpOptions(helpOf(command)) : []) assert.ok(text.includes(`--${o.long}`), `${page}: --${o.long}`);
      assert.match(text, command ? new RegExp(`^NAME\\n\\s+tsns-${command} - `, 'm') : /^NAME\n\s+tsns - /m);
    }
  });
});
