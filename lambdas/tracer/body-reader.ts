// Bounded, charset-aware reading of an HTML response body: decompresses what we advertised,
// sniffs the encoding like a browser (Content-Type, BOM, <meta charset> in the first 1 KB) and
// stops as soon as the caller has what it needs or the byte cap is reached.
import zlib from 'node:zlib';
import type { Readable, Transform } from 'node:stream';
import { scanHtml } from './html-scan';

export interface BodyText {
  text: string;
  /** Decoded bytes consumed. */
  bytes: number;
  /** The cap was reached before the end of the body. */
  truncated: boolean;
  charset: string;
}

export interface ReadOptions {
  contentType?: string;
  contentEncoding?: string;
  maxBytes: number;
  /** Called after each chunk with the text so far; true stops reading. */
  stopWhen?: (text: string) => boolean;
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

export function charsetFromContentType(contentType: string | undefined): string | undefined {
  const m = /;\s*charset\s*=\s*(?:"([^"]+)"|([^\s;]+))/i.exec(contentType ?? '');
  return (m?.[1] ?? m?.[2])?.trim();
}

function makeDecoder(label: string | undefined): { decoder: TextDecoder; charset: string } {
  // HTML maps these legacy labels onto their supersets; TextDecoder knows the rest.
  const normalized = label?.toLowerCase() === 'utf-16' ? 'utf-8' : label;
  try {
    if (normalized) {
      const decoder = new TextDecoder(normalized);
      return { decoder, charset: decoder.encoding };
    }
  } catch {
    // unknown label: fall through
  }
  // Most undeclared pages today are UTF-8; invalid bytes decode to U+FFFD rather than throwing.
  return { decoder: new TextDecoder('utf-8'), charset: 'utf-8' };
}

function sniffCharset(head: Buffer, declared: string | undefined): string | undefined {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return 'utf-8';
  if (head[0] === 0xfe && head[1] === 0xff) return 'utf-16be';
  if (head[0] === 0xff && head[1] === 0xfe) return 'utf-16le';
  if (declared) return declared;
  return scanHtml(head.subarray(0, 1024).toString('latin1')).metaCharset;
}

export async function readBodyText(body: Readable, opts: ReadOptions): Promise<BodyText> {
  const dec = decompressor(opts.contentEncoding);
  let source: Readable = body;
  if (dec) {
    body.on('error', (e) => dec.destroy(e));
    source = body.pipe(dec);
  }
  const declared = charsetFromContentType(opts.contentType);
  let decoder: TextDecoder | undefined;
  let charset = 'utf-8';
  const pending: Buffer[] = [];
  let pendingLen = 0;
  let text = '';
  let bytes = 0;
  let truncated = false;
  let stopped = false;

  const start = (): void => {
    const head = Buffer.concat(pending);
    const made = makeDecoder(sniffCharset(head, declared));
    decoder = made.decoder;
    charset = made.charset;
    text += decoder.decode(head, { stream: true });
    pending.length = 0;
  };

  try {
    for await (const raw of source) {
      let chunk = raw as Buffer;
      if (bytes + chunk.length > opts.maxBytes) {
        chunk = chunk.subarray(0, opts.maxBytes - bytes);
        truncated = true;
      }
      bytes += chunk.length;
      if (!decoder) {
        pending.push(chunk);
        pendingLen += chunk.length;
        if (pendingLen >= 1024 || truncated) start();
      } else {
        text += decoder.decode(chunk, { stream: true });
      }
      if (decoder && opts.stopWhen?.(text)) {
        stopped = true;
        break;
      }
      if (truncated) break;
    }
    if (!decoder) start();
    if (!stopped && !truncated) text += decoder!.decode();
  } finally {
    // Stop the transfer: closing the stream frees the socket (and stops paying proxy bytes).
    if (!body.destroyed) body.destroy();
    if (dec && !dec.destroyed) dec.destroy();
  }
  return { text, bytes, truncated, charset };
}
