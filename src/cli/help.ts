/**
 * The --help texts, read as structure: for the man pages (generated from them at build time) and the
 * shell completion (their options). The texts stay where they are, in each command's module; this
 * reads what a command prints for --help, so the three never disagree.
 */
import { commands, usage as mainUsage } from './main';

/** One option as --help lists it: ` -t, --type <name>   namespace type (...)`. */
export interface HelpOption {
  short?: string;
  long: string;
  /** The argument's name as shown (`<name>`, `FILE`, `UID|follow`), without `[=` `]`. */
  arg?: string;
  /** The argument is optional and only attached (`--net[=FILE]`). */
  optionalArg: boolean;
  description: string;
}

export type HelpBlock =
  | { kind: 'usage'; lines: string[] }
  | { kind: 'heading'; text: string }
  | { kind: 'paragraph'; lines: string[] }
  /** Lines shown as they are (indented examples). */
  | { kind: 'example'; lines: string[] }
  | { kind: 'options'; options: HelpOption[] }
  | { kind: 'definitions'; entries: Array<{ term: string; description: string }> };

const OPTION = /^\s{0,6}(?:-(\w),\s+)?--([\w-]+)(\[=[^\]]*\]|=\S+| \S+)?(?:\s{2,}(.*))?$/;
const DEFINITION = /^ {0,2}(\S+)\s{2,}(\S.*)$/;
/** A line that carries on the entry above it: indented deeper than any entry starts. */
const CONTINUATION = /^\s{8,}\S/;

function parseOption(line: string): HelpOption | undefined {
  const m = OPTION.exec(line);
  if (!m) return undefined;
  const [, short, long, argPart, description] = m;
  const option: HelpOption = { long, optionalArg: false, description: (description ?? '').trim() };
  if (short) option.short = short;
  if (argPart?.startsWith('[=')) {
    option.arg = argPart.slice(2, -1);
    option.optionalArg = true;
  } else if (argPart) {
    option.arg = argPart.replace(/^[ =]/, '');
  }
  return option;
}

/** The blocks of a --help text, in order. */
export function parseHelp(text: string): HelpBlock[] {
  const blocks: HelpBlock[] = [];
  const chunks = text
    .replace(/^\n+|\n+$/g, '')
    .split(/\n\s*\n/)
    .map((c) => c.split('\n'));
  for (const lines of chunks) {
    if (/^Usage:/.test(lines[0])) {
      const first = lines[0].replace(/^Usage:\s*/, '');
      blocks.push({ kind: 'usage', lines: [first, ...lines.slice(1)].map((l) => l.trim()).filter(Boolean) });
      continue;
    }
    let pending: string[] = [];
    const flush = (): void => {
      if (pending.length) blocks.push({ kind: 'paragraph', lines: pending });
      pending = [];
    };
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i];
      const last = blocks[blocks.length - 1];
      if (CONTINUATION.test(line) && pending.length === 0 && (last?.kind === 'options' || last?.kind === 'definitions')) {
        if (last.kind === 'options') {
          const o = last.options[last.options.length - 1];
          o.description = `${o.description} ${line.trim()}`.trim();
        } else {
          const d = last.entries[last.entries.length - 1];
          d.description = `${d.description} ${line.trim()}`;
        }
        continue;
      }
      const option = parseOption(line);
      if (option) {
        // Text ending in ':' right before options is their heading ("Options:", "Namespaces (...):").
        if (pending.length && pending[pending.length - 1].endsWith(':')) {
          blocks.push({ kind: 'heading', text: pending.join(' ').replace(/:$/, '') });
          pending = [];
        }
        flush();
        const prev = blocks[blocks.length - 1];
        // One block per run of option lines; a blank line starts another (a group of its own).
        if (prev?.kind === 'options' && i > 0) prev.options.push(option);
        else blocks.push({ kind: 'options', options: [option] });
        continue;
      }
      const definition = DEFINITION.exec(line);
      if (definition) {
        if (pending.length && pending[pending.length - 1].endsWith(':')) {
          blocks.push({ kind: 'heading', text: pending.join(' ').replace(/:$/, '') });
          pending = [];
        }
        flush();
        const entry = { term: definition[1], description: definition[2].trim() };
        const prev = blocks[blocks.length - 1];
        if (prev?.kind === 'definitions') prev.entries.push(entry);
        else blocks.push({ kind: 'definitions', entries: [entry] });
        continue;
      }
      if (/^ {2}/.test(line)) {
        flush();
        const prev = blocks[blocks.length - 1];
        if (prev?.kind === 'example') prev.lines.push(line.slice(2));
        else blocks.push({ kind: 'example', lines: [line.slice(2)] });
        continue;
      }
      pending.push(line.trim());
    }
    flush();
  }
  return blocks;
}

/** Every option of a --help text. */
export function helpOptions(text: string): HelpOption[] {
  return parseHelp(text).flatMap((b) => (b.kind === 'options' ? b.options : []));
}

/** The commands `tsns --help` lists, with what each does. */
export function commandList(): Array<{ name: string; description: string }> {
  const listed = parseHelp(mainUsage).flatMap((b) => (b.kind === 'definitions' ? b.entries : []));
  return listed.filter((e) => Object.hasOwn(commands, e.term)).map((e) => ({ name: e.term, description: e.description }));
}

/**
 * What `tsns COMMAND --help` prints (`tsns --help` without a command), read in this process: the
 * command's module is asked for its help as the command line would ask, and what it writes is kept.
 * Every command prints its help synchronously, before any asynchronous work.
 */
export function helpOf(command?: string): string {
  if (command === undefined) return mainUsage;
  if (!Object.hasOwn(commands, command)) throw new Error(`no command ${command}`);
  let text = '';
  const stdout = process.stdout;
  const write = stdout.write;
  stdout.write = ((chunk: string | Uint8Array) => {
    text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    return true;
  }) as typeof stdout.write;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const result = (require(commands[command]) as { run: (args: string[]) => unknown }).run(['--help']);
    if (result instanceof Promise) result.catch(() => undefined);
  } finally {
    stdout.write = write;
  }
  return text;
}
