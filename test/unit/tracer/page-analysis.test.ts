import { analyzePage, documentKind, type PageDecision, type PageInput } from '../../../lambdas/tracer/page-analysis';
import { scanHtml } from '../../../lambdas/tracer/html-scan';
import { readBody, readBodyText } from '../../../lambdas/tracer/body-reader';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';

const url = 'https://t.example/dir/page';
const doc = (head: string, body = '<p>short</p>'): string => `<!doctype html><html><head><meta charset="utf-8">${head}</head><body>${body}</body></html>`;
const LANDING = `<h1>Shop</h1>${'<p>Lots of product text here for the reader.</p>'.repeat(10)}<a href="/buy">Buy</a>`;
const page = (html: string | Buffer, extra: Partial<PageInput> = {}): PageDecision =>
  analyzePage({ url, contentType: 'text/html', body: typeof html === 'string' ? Buffer.from(html) : html, ...extra });
/** Where the page leads: the next URL, 'stay', or 'browser:<reason>'. */
const next = (html: string | Buffer, extra: Partial<PageInput> = {}): string => {
  const d = page(html, extra);
  return d.kind === 'navigate' ? d.next.url : d.kind === 'browser' ? `browser:${d.verdict.reason}` : d.kind;
};
const meta = (content: string): string => `<meta http-equiv="refresh" content="${content}">`;

describe('page analysis: refreshes as Chromium schedules them', () => {
  test('refresh values, <base>, character references', () => {
    expect(page(doc('<META HTTP-EQUIV="Refresh" CONTENT="0;URL=\'/a\'">'))).toEqual({
      kind: 'navigate',
      next: { url: 'https://t.example/a', kind: 'meta-refresh', delaySeconds: 0 },
    });
    expect(next(doc('<meta http-equiv=refresh content=0;url=b?x=1&amp;y=2&num=3&sect;>'))).toBe('https://t.example/dir/b?x=1&y=2&num=3%C2%A7');
    expect(next(doc(`<base href="https://cdn.example/base/">${meta('0;url=c')}`))).toBe('https://cdn.example/base/c');
    expect(next(doc(`${meta('0;url=c')}<base href="https://cdn.example/base/">`))).toBe('https://t.example/dir/c');
  });

  test('what a browser does not act on', () => {
    expect(next(doc(`<!-- ${meta('0;url=/x')} -->`))).toBe('stay');
    expect(next(doc(`<script>var s = '${meta('0;url=/x')}';</script>`))).toBe('stay');
    expect(next(doc(`<noscript>${meta('0;url=/x')}</noscript>`))).toBe('stay');
    expect(next(doc('', `<template>${meta('0;url=/x')}</template>`))).toBe('stay');
    expect(next(doc('<meta http-equiv=" refresh " content="0;url=/x">'))).toBe('stay');
    expect(next(doc(meta('30;url=/x')))).toBe('stay');
    expect(next(meta('0;url=/x'), { contentType: 'text/plain' })).toBe('stay');
    expect(next(doc(meta('0;url=/x')), { contentDisposition: 'attachment; filename=a.html' })).toBe('stay');
  });

  test('a later refresh replaces the scheduled one unless its delay is longer', () => {
    expect(next(doc(meta('1;url=/a') + meta('0;url=/b')))).toBe('https://t.example/b');
    expect(next(doc(meta('0;url=/a') + meta('1;url=/b')))).toBe('https://t.example/a');
    expect(next(doc(meta('0;url=/a') + meta('0;url=/b')))).toBe('https://t.example/b');
    expect(next(doc(meta('0;url=/meta')), { refreshHeader: '0;url=/header' })).toBe('https://t.example/meta');
    expect(next(doc(meta('1;url=/meta')), { refreshHeader: '0;url=/header' })).toBe('https://t.example/header');
    expect(next(doc(meta('0;url=javascript:go()') + meta('1;url=/b')))).toBe('https://t.example/b');
    expect(next('', { contentType: 'text/plain', refreshHeader: '0; url=/h' })).toBe('https://t.example/h');
  });

  test('the first script that navigates wins over everything after it, refreshes included', () => {
    const js = (to: string): string => `<script>location.href="${to}"</script>`;
    expect(next(doc(meta('0;url=/meta') + js('/js')))).toBe('https://t.example/js');
    expect(next(doc(js('/js') + meta('0;url=/meta')))).toBe('https://t.example/js');
    expect(next(doc(js('/first') + js('/second')))).toBe('https://t.example/first');
    expect(next(doc('<script>null.x</script>' + js('/after')))).toBe('https://t.example/after');
    expect(next(doc('<base href="/b/">' + js('x')))).toBe('https://t.example/b/x');
    expect(next(doc('<script nomodule>location.href="/x"</script>', LANDING))).toBe('stay');
    expect(next(doc('<script type="text/plain">location.href="/x"</script>', LANDING))).toBe('stay');
    expect(next(doc('', '<svg><script>location.href="/svg"</script></svg>'))).toBe('https://t.example/svg');
  });

  test('the document encoding encodes the query of the URLs it names', () => {
    const w1252 = Buffer.from(doc(meta('0;url=/caf\u00e9?q=\u00e9#\u00e9')).replace('utf-8', 'windows-1252'), 'latin1');
    expect(next(w1252)).toBe('https://t.example/caf%C3%A9?q=%E9#%C3%A9');
    expect(next(Buffer.from(doc(meta('0;url=/x?q=\u00e9')).replace('<meta charset="utf-8">', ''), 'latin1'))).toBe('browser:encoding');
    expect(next(Buffer.from(doc(meta('0;url=/x?q=e')).replace('<meta charset="utf-8">', ''), 'latin1'))).toBe('https://t.example/x?q=e');
  });

  test('what goes to the browser, and why', () => {
    expect(next(doc('<script>location.href = base + "/x"</script>'))).toBe('browser:computed-js-redirect');
    expect(next(doc('<script>setTimeout(function () { location.href = "/t"; }, 100)</script>'))).toBe('browser:computed-js-redirect');
    expect(next(doc('', '<form id=f method=post action=/go></form><script>document.getElementById("f").submit()</script>'))).toBe('browser:auto-submit-form');
    expect(next(doc('<script src="/r.js"></script>', ''))).toBe('browser:empty-redirector-shell');
    expect(next(doc('<script src="/r.js"></script>' + meta('0;url=/m')))).toBe('browser:unread-code-before-navigation');
    expect(next(doc('<script src="/r.js"></script>', LANDING))).toBe('stay');
    expect(next(doc('<script>document.cookie="a=1"; location.href="/c"</script>'))).toBe('browser:cookie-or-storage-write');
    expect(next(doc('', '<iframe src="/frame"></iframe>'))).toBe('browser:frame');
    expect(next(doc('', `${LANDING}<iframe src="https://video.example/embed"></iframe>`))).toBe('stay');
    expect(next(doc(meta('0;url=/m')), { csp: true })).toBe('browser:content-security-policy');
    expect(next(doc('<script>location.href = "javascript:go()"</script>'))).toBe('browser:unusual-target');
    expect(next(doc(meta('0')))).toBe('browser:unusual-target');
    expect(next(doc('', '<p>x</p>').replace('<body>', '<body onload="location.href=\'/l\'">'))).toBe('browser:computed-js-redirect');
    expect(next(doc('', `${LANDING}<button onclick="location.href='/x'">Buy</button>`))).toBe('stay');
    expect(next('<html><script>location.href="/x"</script></html>', { contentType: 'application/xhtml+xml' })).toBe('browser:xml-document');
    expect(next(doc('<script>location.href="/x"</script>', LANDING), { truncated: true })).toBe('https://t.example/x');
    expect(next(doc(meta('0;url=/x')), { truncated: true })).toBe('browser:page-too-large');
  });

  test('a body still arriving is decided only by what no later byte can change', () => {
    expect(page('<html><head><script>location.href="/x"</script>', { partial: true })).toMatchObject({ kind: 'navigate' });
    expect(page('<html><head><script>location.href="/x"', { partial: true })).toEqual({ kind: 'undecided' });
    expect(page(`<html><head>${meta('0;url=/x')}`, { partial: true })).toEqual({ kind: 'undecided' });
  });

  test('document kinds: HTML by type or by sniffing an untyped body', () => {
    expect(documentKind('text/html; charset=utf-8')).toBe('html');
    expect(documentKind('application/xhtml+xml')).toBe('xml');
    expect(documentKind(undefined, Buffer.from('  <html><body>'))).toBe('html');
    expect(documentKind(undefined, Buffer.from('plain words <html>'))).toBe('other');
    expect(documentKind('text/plain', Buffer.from('<html>'))).toBe('other');
  });

  test('the scanner reports events in parse order, with what runs', () => {
    const s = scanHtml(
      '<head><base href="/b/"><meta http-equiv="refresh" content="0;url=x"><script src="/e.js" async></script><script type="module">1</script></head><body onload="go()"><a href=x>1</a><a>no</a>Hello &amp; welcome</body>',
    );
    expect(s.events.map((e) => e.kind)).toEqual(['base', 'meta-refresh', 'script', 'script', 'handler']);
    expect(s.events[2]).toMatchObject({ src: '/e.js', async: true, runs: 'classic' });
    expect(s.events[3]).toMatchObject({ text: '1', runs: 'module', complete: true });
    expect(s.links).toBe(1);
    expect(s.textLength).toBeGreaterThan(10);
  });
});

describe('bounded body reading', () => {
  test('decompresses, stops at the cap, and decodes as the page declares', async () => {
    const cyr = Buffer.from([0x3c, 0x70, 0x3e, 0xcf, 0xf0, 0xe8, 0xe2, 0xe5, 0xf2]); // "<p>Привет" in windows-1251
    expect((await readBodyText(Readable.from([cyr]), { contentType: 'text/html; charset=windows-1251', maxBytes: 1000 })).text).toBe('<p>Привет');
    const gz = await readBody(Readable.from([zlib.gzipSync('<meta charset="utf-8"><p>ok')]), { contentEncoding: 'gzip', maxBytes: 1000 });
    expect(gz.bytes.toString()).toBe('<meta charset="utf-8"><p>ok');
    const big = Readable.from(
      (function* () {
        for (let i = 0; i < 1000; i++) yield Buffer.alloc(16 * 1024, 0x61);
      })(),
    );
    const r = await readBody(big, { maxBytes: 100_000 });
    expect(r).toMatchObject({ truncated: true, stopped: false });
    expect(r.bytes.length).toBe(100_000);
    expect(big.destroyed).toBe(true);
  });

  test('stops as soon as the caller has what it needs', async () => {
    const body = Readable.from([Buffer.from('<script>location.href="/x"</script>'), Buffer.from('<p>more</p>'.repeat(100))]);
    const r = await readBody(body, { maxBytes: 1_000_000, stopWhen: (chunk) => chunk.includes('</script>') });
    expect(r).toMatchObject({ stopped: true, truncated: false });
    expect(r.bytes.toString()).toBe('<script>location.href="/x"</script>');
  });

  test('sniffs <meta charset> and BOMs when the header says nothing', async () => {
    const latin = Buffer.concat([Buffer.from('<meta charset="iso-8859-1"><p>'), Buffer.from([0xe9])]);
    expect((await readBodyText(Readable.from([latin]), { maxBytes: 1000 })).text).toContain('é');
    const utf16 = Buffer.from('\ufeff<p>wide', 'utf16le');
    expect((await readBodyText(Readable.from([utf16]), { maxBytes: 1000 })).text).toBe('<p>wide');
  });
});
