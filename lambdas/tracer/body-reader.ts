// Bounded reading of a response body: decompresses what we advertised and stops at the byte cap,
// or as soon as the caller has what it needs (every byte read through the proxy is paid for).
// The bytes are returned as they are: the document's encoding is decided from them and the
// headers (document-encoding.ts), as a browser decides it.
import zlib from 'node:zlib';
import type { Readable, Transform } from 'node:stream';
import { decodeDocument, documentEncoding } from './document-encoding';

export interface BodyBytes {
  bytes: Buffer;
  /** The cap was reached before the end of the body. */
  truncated: boolean;
  /** The caller's stopWhen ended the read early. */
  stopped: boolean;
}

export interface ReadOptions {
  contentEncoding?: string;
  maxBytes: number;
  /** Called after each (decompressed) chunk, with a way to get every byte so far; true stops reading. */
  stopWhen?: (chunk: Buffer, soFar: () => Buffer) => boolean;
}

function decompressor(encoding: string | undefined): Transform | null {
  switch ((encoding ?? '').trim().toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return zlib.createGunzip();
    case 'deflate':
      return zlib.createInflate();
    case 'br':
      return zlib.createBrotliDecompress();
    case 'zstd': {
      const make = (zlib as { createZstdDecompress?: () => Transform }).createZstdDecompress;
      return make ? make() : null;
    }
    default:
      return null;
  }
}

export async function readBody(body: Readable, opts: ReadOptions): Promise<BodyBytes> {
  const dec = decompressor(opts.contentEncoding);
  let source: Readable = body;
  if (dec) {
    body.on('error', (e) => dec.destroy(e));
    source = body.pipe(dec);
  }
  const chunks: Buffer[] = [];
  let length = 0;
  let truncated = false;
  let stopped = false;
  try {
    for await (const raw of source) {
      let chunk = raw as Buffer;
      if (length + chunk.length > opts.maxBytes) {
        chunk = chunk.subarray(0, opts.maxBytes - length);
        truncated = true;
      }
      chunks.push(chunk);
      length += chunk.length;
      if (truncated) break;
      if (opts.stopWhen?.(chunk, () => Buffer.concat(chunks, length))) {
        stopped = true;
        break;
      }
    }
  } finally {
    // Stop the transfer: closing the stream frees the socket (and stops paying proxy bytes).
    if (!body.destroyed) body.destroy();
    if (dec && !dec.destroyed) dec.destroy();
  }
  return { bytes: Buffer.concat(chunks, length), truncated, stopped };
}

/** The body as text, decoded as a browser would (BOM, Content-Type charset, <meta> prescan). */
export async function readBodyText(body: Readable, opts: ReadOptions & { contentType?: string }): Promise<BodyBytes & { text: string; charset: string }> {
  const read = await readBody(body, opts);
  const { encoding } = documentEncoding(read.bytes, opts.contentType);
  return { ...read, text: decodeDocument(read.bytes, encoding), charset: encoding };
}
