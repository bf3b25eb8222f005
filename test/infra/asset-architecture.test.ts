/**
 * Every native binary a function ships runs on that function's architecture. Tests and the local
 * stack run on the developer's x86-64 machine, so a function deployed to arm64 with an x86-64
 * binary inside (Chromium in TraceBrowser's asset, a `.node` addon in a bundle) passes everything
 * here and fails only in Lambda, on its first invocation. So the app is synthesized WITH bundling,
 * exactly as `cdk synth` stages it, and every file of every function's asset is opened — brotli
 * archives (`.br`, `.tar.br`: Chromium and its libraries), gzip and tar included — and each ELF
 * binary's machine is compared with the function's `Architectures` in the template.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { App } from 'aws-cdk-lib';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { buildApp } from '../../bin/app';
import { FUNCTIONS, architectureOf } from '../../contracts/manifest/functions';

/** Lambda's architecture names for the ELF e_machine values it can run. */
const MACHINES: Readonly<Record<number, string>> = { 0x3e: 'x86_64', 0xb7: 'arm64' };

interface NativeBinary {
  /** Path inside the asset; `archive.tar.br!member` for a file inside an archive. */
  readonly file: string;
  /** 'x86_64', 'arm64', or a description of what Lambda cannot run at all. */
  readonly machine: string;
}

function elfMachine(bytes: Uint8Array): string | undefined {
  if (bytes.length < 20 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // EI_DATA (byte 5): 1 little-endian, 2 big-endian; e_machine is the u16 at offset 18.
  const machine = view.getUint16(18, bytes[5] === 1);
  const bits = bytes[4] === 2 ? '64-bit' : '32-bit';
  return (bytes[4] === 2 && bytes[5] === 1 && MACHINES[machine]) || `ELF ${bits} e_machine 0x${machine.toString(16)}`;
}

/** A NUL-terminated field of a tar header. */
const field = (header: Uint8Array, start: number, length: number) => {
  const raw = Buffer.from(header.subarray(start, start + length)).toString('utf8');
  const nul = raw.indexOf('\0');
  return nul === -1 ? raw : raw.slice(0, nul);
};

/** A tar number: octal text, or GNU base-256 when the top bit of the first byte is set (≥ 8 GiB). */
function tarNumber(header: Uint8Array, start: number, length: number): number {
  if ((header[start]! & 0x80) !== 0) {
    let n = header[start]! & 0x7f;
    for (let i = start + 1; i < start + length; i++) n = n * 256 + header[i]!;
    return n;
  }
  return parseInt(field(header, start, length).trim() || '0', 8);
}

/** Regular files of a tar archive: 512-byte header blocks, each followed by its data padded to 512. */
function* tarFiles(tar: Uint8Array): Generator<{ name: string; data: Uint8Array }> {
  let offset = 0;
  let longName: string | undefined;
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) return; // end-of-archive marker
    const size = tarNumber(header, 124, 12);
    const type = String.fromCharCode(header[156]!);
    const data = tar.subarray(offset + 512, offset + 512 + size);
    offset += 512 + Math.ceil(size / 512) * 512;
    if (type === 'L') {
      // GNU long name: the next entry's name is this entry's data.
      longName = field(data, 0, data.length);
      continue;
    }
    if (type === 'x') {
      // POSIX extended header: a `path=` record names the next entry.
      const record = /\d+ path=([^\n]*)\n/.exec(Buffer.from(data).toString('utf8'));
      if (record) longName = record[1];
      continue;
    }
    const prefix = field(header, 345, 155);
    const name = longName ?? (prefix ? `${prefix}/${field(header, 0, 100)}` : field(header, 0, 100));
    longName = undefined;
    if (type === '0' || type === '\0' || type === '7') yield { name, data };
  }
}

const isTar = (bytes: Uint8Array) => bytes.length >= 512 && Buffer.from(bytes.subarray(257, 262)).toString('latin1') === 'ustar';
const isGzip = (bytes: Uint8Array) => bytes[0] === 0x1f && bytes[1] === 0x8b;

/** The native binaries in one file, looking inside brotli, gzip and tar archives (nested too). */
function nativeBinaries(name: string, bytes: Uint8Array): NativeBinary[] {
  const machine = elfMachine(bytes);
  if (machine) return [{ file: name, machine }];
  // Brotli has no magic number: the extension is all there is (and all @sparticuz/chromium uses).
  if (name.endsWith('.br')) return nativeBinaries(name.slice(0, -3), zlib.brotliDecompressSync(bytes));
  if (isGzip(bytes))
    return nativeBinaries(
      name.replace(/\.t?gz$/, (ext) => (ext === '.tgz' ? '.tar' : '')),
      zlib.gunzipSync(bytes),
    );
  if (isTar(bytes)) return [...tarFiles(bytes)].flatMap((entry) => nativeBinaries(`${name}!${entry.name}`, entry.data));
  // A Node addon that is not ELF (a macOS or Windows build) runs on no Lambda architecture.
  if (name.endsWith('.node')) return [{ file: name, machine: 'not a Linux (ELF) binary' }];
  return [];
}

function assetFiles(dir: string, relative = ''): string[] {
  return fs.readdirSync(path.join(dir, relative), { withFileTypes: true }).flatMap((entry) => {
    const rel = path.posix.join(relative, entry.name);
    if (entry.isDirectory()) return assetFiles(dir, rel);
    return entry.isFile() ? [rel] : [];
  });
}

interface FunctionAsset {
  readonly stack: string;
  readonly logicalId: string;
  readonly architecture: string;
  /** Undefined for inline code (a custom resource's ZipFile: JavaScript, no binary). */
  readonly assetDir: string | undefined;
}

function functionAssets(assembly: CloudAssembly): FunctionAsset[] {
  return assembly.stacks.flatMap((stack) =>
    Object.entries(stack.template.Resources ?? {})
      .filter(([, r]) => (r as { Type: string }).Type === 'AWS::Lambda::Function')
      .map(([logicalId, r]) => {
        const resource = r as { Properties: { Architectures?: string[] }; Metadata?: Record<string, string> };
        const assetPath = resource.Metadata?.['aws:asset:path'];
        return {
          stack: stack.stackName,
          logicalId,
          // Lambda's default when the property is absent.
          architecture: resource.Properties.Architectures?.[0] ?? 'x86_64',
          assetDir: assetPath ? path.resolve(assembly.directory, assetPath) : undefined,
        };
      }),
  );
}

const scanned: { fn: FunctionAsset; binaries: NativeBinary[] }[] = [];
let outdir: string;

beforeAll(() => {
  outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'tracepool-asset-arch-'));
  // Bundling on (no 'aws:cdk:bundling-stacks' override), and the asset path in each resource's
  // metadata, as the CDK CLI asks for it.
  const app = new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true } });
  const assembly = buildApp(app).app.synth();
  for (const fn of functionAssets(assembly)) {
    const binaries = fn.assetDir ? assetFiles(fn.assetDir).flatMap((file) => nativeBinaries(file, fs.readFileSync(path.join(fn.assetDir!, file)))) : [];
    scanned.push({ fn, binaries });
  }
}, 600_000);

afterAll(() => {
  if (outdir) fs.rmSync(outdir, { recursive: true, force: true });
});

describe('function assets', () => {
  it('opens the staged asset of every bundled function', () => {
    const bundled = scanned.filter((s) => s.fn.assetDir);
    expect(bundled.length).toBeGreaterThan(0);
    for (const { fn } of bundled) expect(fs.readdirSync(fn.assetDir!)).toContain('index.mjs');
  });

  it('builds each manifest function for the architecture the manifest names', () => {
    for (const def of FUNCTIONS) {
      const fn = scanned.find((s) => new RegExp(`^${def.id}[0-9A-F]{8}$`).test(s.fn.logicalId));
      expect({ id: def.id, architecture: fn?.fn.architecture }).toEqual({ id: def.id, architecture: architectureOf(def) });
    }
  });

  it("finds Chromium and its libraries inside TraceBrowser's brotli archives", () => {
    // Guards the scan itself: if it stopped looking inside archives, the next test would pass vacuously.
    const browser = scanned.find((s) => s.fn.logicalId.startsWith('TraceBrowser'));
    expect(browser).toBeDefined();
    const files = browser!.binaries.map((b) => b.file);
    expect(files).toContain('chromium-bin/chromium');
    expect(files).toContain('chromium-bin/al2023.tar!lib/libnss3.so');
  });

  it("ships only native binaries built for the function's architecture", () => {
    const mismatches = scanned.flatMap(({ fn, binaries }) =>
      binaries.filter((b) => b.machine !== fn.architecture).map((b) => `${fn.stack}/${fn.logicalId} (${fn.architecture}): ${b.file} is ${b.machine}`),
    );
    expect(mismatches).toEqual([]);
  });
});

describe('the binary scan', () => {
  // A minimal ELF header: magic, 64-bit, little-endian, e_machine at offset 18.
  const elf = (machine: number) => {
    const b = Buffer.alloc(64);
    b.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1], 0);
    b.writeUInt16LE(machine, 18);
    return b;
  };
  const tarEntry = (name: string, data: Buffer) => {
    const header = Buffer.alloc(512);
    header.write(name, 0, 'utf8');
    header.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
    header.write('0', 156, 'latin1');
    header.write('ustar\u000000', 257, 'latin1');
    return Buffer.concat([header, data, Buffer.alloc((512 - (data.length % 512)) % 512)]);
  };
  const tar = (...entries: Buffer[]) => Buffer.concat([...entries, Buffer.alloc(1024)]);

  it('reads the machine of a bare ELF file and of a non-ELF addon', () => {
    expect(nativeBinaries('addon.node', elf(0xb7))).toEqual([{ file: 'addon.node', machine: 'arm64' }]);
    expect(nativeBinaries('addon.node', Buffer.from([0xcf, 0xfa, 0xed, 0xfe]))[0]!.machine).toMatch(/not a Linux/);
    expect(nativeBinaries('index.mjs', Buffer.from('export const handler = 1;'))).toEqual([]);
  });

  it('looks inside .br, .tar.br and .tgz archives', () => {
    const archive = tar(tarEntry('lib/libx.so', elf(0x3e)), tarEntry('README', Buffer.from('text')));
    expect(nativeBinaries('bin/libs.tar.br', zlib.brotliCompressSync(archive))).toEqual([{ file: 'bin/libs.tar!lib/libx.so', machine: 'x86_64' }]);
    expect(nativeBinaries('bin/chromium.br', zlib.brotliCompressSync(elf(0xb7)))).toEqual([{ file: 'bin/chromium', machine: 'arm64' }]);
    expect(nativeBinaries('pkg.tgz', zlib.gzipSync(archive))).toEqual([{ file: 'pkg.tar!lib/libx.so', machine: 'x86_64' }]);
  });
});
