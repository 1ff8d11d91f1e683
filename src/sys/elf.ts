/**
 * Whether a native binary tsns ships (the exec stage, a shared library) can run here: an ELF file of
 * this machine's class, byte order and architecture, whose dynamic loader exists (or that is static),
 * and, for a shared library, that wants the libc this Node uses. What this machine is comes from
 * Node's own binary (/proc/self/exe), so a 32-bit Node or a musl one is measured by what it is.
 * Read once per file: the ELF header, the program headers, the dynamic section's DT_NEEDED names.
 */
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { errorText } from './errors';
import { resolve } from 'node:path';

/** What the header and program headers of an ELF file say. */
export interface ElfInfo {
  /** 32 or 64. */
  bits: 32 | 64;
  littleEndian: boolean;
  /** e_machine (EM_X86_64 = 62, EM_AARCH64 = 183, ...). */
  machine: number;
  /** PT_INTERP: the dynamic loader an executable asks for; undefined for a static binary or a library. */
  interpreter?: string;
  /** DT_NEEDED: the shared libraries it links. */
  needed: string[];
}

/** e_machine -> the name users know the architecture by (Node's process.arch where there is one). */
const MACHINES: Record<number, string> = {
  3: 'ia32',
  8: 'mips',
  20: 'ppc',
  21: 'ppc64',
  22: 's390x',
  40: 'arm',
  62: 'x64',
  183: 'arm64',
  243: 'riscv64',
  258: 'loong64',
};

export function machineName(machine: number): string {
  return MACHINES[machine] ?? `ELF machine ${machine}`;
}

const PT_DYNAMIC = 2;
const PT_INTERP = 3;
const PT_LOAD = 1;
const DT_NEEDED = 1;
const DT_STRTAB = 5;

function readAt(fd: number, offset: number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  const n = readSync(fd, buf, 0, length, offset);
  return buf.subarray(0, n);
}

/** The ELF facts of `path`, or undefined when it is not an ELF file. Throws for a file it cannot read. */
export function readElf(path: string): ElfInfo | undefined {
  const fd = openSync(path, 'r');
  try {
    const header = readAt(fd, 0, 64);
    if (header.length < 52 || header.readUInt32BE(0) !== 0x7f454c46) return undefined;
    const bits = header[4] === 2 ? 64 : header[4] === 1 ? 32 : undefined;
    const littleEndian = header[5] === 1;
    if (bits === undefined || (header[5] !== 1 && header[5] !== 2)) return undefined;
    const u16 = (b: Buffer, o: number): number => (littleEndian ? b.readUInt16LE(o) : b.readUInt16BE(o));
    const u32 = (b: Buffer, o: number): number => (littleEndian ? b.readUInt32LE(o) : b.readUInt32BE(o));
    const word = (b: Buffer, o: number): number => (bits === 32 ? u32(b, o) : Number(littleEndian ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o)));
    const info: ElfInfo = { bits, littleEndian, machine: u16(header, 18), needed: [] };
    if (bits === 64 && header.length < 64) return info;
    const phoff = word(header, bits === 32 ? 28 : 32);
    const phentsize = u16(header, bits === 32 ? 42 : 54);
    const phnum = Math.min(u16(header, bits === 32 ? 44 : 56), 256);
    const segments: Array<{ type: number; offset: number; vaddr: number; filesz: number }> = [];
    for (let i = 0; i < phnum; i++) {
      const ph = readAt(fd, phoff + i * phentsize, phentsize);
      if (ph.length < (bits === 32 ? 32 : 56)) break;
      const type = u32(ph, 0);
      segments.push(
        bits === 32
          ? { type, offset: u32(ph, 4), vaddr: u32(ph, 8), filesz: u32(ph, 16) }
          : { type, offset: word(ph, 8), vaddr: word(ph, 16), filesz: word(ph, 32) },
      );
    }
    const interp = segments.find((s) => s.type === PT_INTERP);
    if (interp && interp.filesz > 0 && interp.filesz < 4096)
      info.interpreter = readAt(fd, interp.offset, interp.filesz).toString('latin1').replace(/\0.*$/s, '');
    const dynamic = segments.find((s) => s.type === PT_DYNAMIC);
    if (dynamic && dynamic.filesz < 1 << 20) info.needed = neededLibraries(readAt(fd, dynamic.offset, dynamic.filesz), segments, fd, bits, word);
    return info;
  } finally {
    closeSync(fd);
  }
}

/** DT_NEEDED names: offsets into the string table, whose address a PT_LOAD segment maps to the file. */
function neededLibraries(
  dyn: Buffer,
  segments: Array<{ type: number; offset: number; vaddr: number; filesz: number }>,
  fd: number,
  bits: 32 | 64,
  word: (b: Buffer, o: number) => number,
): string[] {
  const size = bits === 32 ? 8 : 16;
  const needed: number[] = [];
  let strtab: number | undefined;
  for (let o = 0; o + size <= dyn.length; o += size) {
    const tag = word(dyn, o);
    const value = word(dyn, o + size / 2);
    if (tag === 0) break;
    if (tag === DT_NEEDED) needed.push(value);
    if (tag === DT_STRTAB) strtab = value;
  }
  if (strtab === undefined) return [];
  const address = strtab;
  const load = segments.find((s) => s.type === PT_LOAD && address >= s.vaddr && address < s.vaddr + s.filesz);
  if (!load) return [];
  const base = load.offset + (address - load.vaddr);
  return needed.map((off) =>
    readAt(fd, base + off, 256)
      .toString('latin1')
      .replace(/\0.*$/s, ''),
  );
}

/** The libc a binary links, by its DT_NEEDED name: glibc's libc.so.6, musl's libc.musl-ARCH.so.1 or libc.so. */
function libcOf(info: ElfInfo): string | undefined {
  return info.needed.find((n) => /^libc(\.musl-[\w-]+)?\.so(\.\d+)*$/.test(n));
}

let self: ElfInfo | undefined;

/** This Node's own ELF facts: the machine everything tsns runs natively must match. */
function ownElf(): ElfInfo | undefined {
  try {
    self ??= readElf('/proc/self/exe');
  } catch {
    // no /proc: nothing to compare with
  }
  return self;
}

/**
 * Why the binary at `path` cannot run on this machine, in a few words ('it is built for arm64, this
 * machine is x64'), or undefined when it can (as far as its headers tell). A file that is not ELF at
 * all (a script, a truncated download) is a problem too.
 */
export function nativeProblem(path: string): string | undefined {
  let info: ElfInfo | undefined;
  try {
    info = readElf(path);
  } catch (err) {
    return `it cannot be read (${errorText(err)})`;
  }
  if (!info) return 'it is not an ELF binary';
  const own = ownElf();
  if (!own) return undefined;
  if (info.machine !== own.machine || info.bits !== own.bits || info.littleEndian !== own.littleEndian) {
    const what = (i: ElfInfo): string => `${machineName(i.machine)} (${i.bits}-bit, ${i.littleEndian ? 'little' : 'big'}-endian)`;
    return `it is built for ${what(info)}, this machine is ${what(own)}`;
  }
  if (info.interpreter !== undefined && !existsSync(info.interpreter)) {
    const libc = /musl/.test(info.interpreter) ? 'musl' : /ld-linux/.test(info.interpreter) ? 'glibc' : 'another libc';
    return `it is linked for ${libc}: its dynamic loader ${info.interpreter} is not on this system`;
  }
  const theirs = libcOf(info);
  const ours = libcOf(own);
  if (info.interpreter === undefined && theirs !== undefined && ours !== undefined && theirs !== ours) {
    return `it is linked against ${theirs}, this Node against ${ours}`;
  }
  return undefined;
}

/** How to (re)build the native parts: in a checkout (dist/src/sys -> the root has tsconfig.json), its
 *  build; in an installed package, npm's rebuild, which runs the package's install step
 *  (scripts/install.js) again. */
export function howToBuild(): string {
  return existsSync(resolve(__dirname, '..', '..', '..', 'tsconfig.json'))
    ? "run 'npm run build' (needs make and a C compiler)"
    : "rebuild it with 'npm rebuild tsns' (-g for a global install; needs make and a C compiler)";
}
