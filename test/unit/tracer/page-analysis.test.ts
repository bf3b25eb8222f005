import { analyzePage, redirectIsKnown } from '../../../lambdas/tracer/page-analysis';
import { scanHtml } from '../../../lambdas/tracer/html-scan';
import { readBodyText } from '../../../lambdas/tracer/body-reader';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';

const url = 'https://t.example/dir/page';
const doc = (head: string, body = '<p>short</p>'): string => `<!doctype html><html><head>${head}</head><body>${body}</body></html>`;

describe('page analysis', () => {
  test('meta refresh variants', () => {
    expect(analyzePage(url, doc('<META HTTP-EQUIV="Refresh" CONTENT="0;URL=\'/a\'">')).next).toEqual({ url: 'https://t.example/a', kind: 'meta-refresh', delaySeconds: 0 });
    expect(analyzePage(url, doc('<meta http-equiv=refresh content=0;url=b?x=1&amp;y=2>')).next?.url).toBe('https://t.example/dir/b?x=1&y=2');
    expect(analyzePage(url, doc('<base href="https://cdn.example/base/"><meta http-equiv="refresh" content="0;url=c">')).next?.url).toBe('https://cdn.example/base/c');
  });

  test('ignores meta refresh in comments, scripts and to the page itself', () => {
    expect(analyzePage(url, doc('<!-- <meta http-equiv="refresh" content="0;url=/x"> -->')).next).toBeUndefined();
    expect(analyzePage(url, doc('<script>var s = \'<meta http-equiv="refresh" content="0;url=/x">\';</script>')).next).toBeUndefined();
    expect(analyzePage(url, doc('<meta http-equiv="refresh" content="30">')).next).toBeUndefined();
    expect(analyzePage(url, doc(`<meta http-equiv="refresh" content="5;url=${url}">`)).next).toBeUndefined();
  });

  test('priority: immediate refresh header, immediate meta, script, delayed refresh, noscript', () => {
    const js = '<script>location.href="/js"</script>';
    expect(analyzePage(url, doc(`<meta http-equiv="refresh" content="0;url=/meta">${js}`), '0;url=/header').next?.kind).toBe('refresh-header');
    expect(analyzePage(url, doc(`${js}<meta http-equiv="refresh" content="0;url=/meta">`)).next?.kind).toBe('meta-refresh');
    expect(analyzePage(url, doc(`<meta http-equiv="refresh" content="3;url=/meta">${js}`)).next?.url).toBe('https://t.example/js');
    expect(analyzePage(url, doc(`<noscript><meta http-equiv="refresh" content="0;url=/nos"></noscript>`)).next?.url).toBe('https://t.example/nos');
    expect(analyzePage(url, doc(`<noscript><meta http-equiv="refresh" content="0;url=/nos"></noscript>${js}`)).next?.url).toBe('https://t.example/js');
  });

  test('needs-browser verdicts', () => {
    expect(analyzePage(url, doc('<script>location.href = base + "/x"</script>')).needsBrowser).toEqual({ needed: true, reason: 'computed-js-redirect' });
    expect(analyzePage(url, doc('', '<form id=f method=post action=/go></form><script>document.getElementById("f").submit()</script>')).needsBrowser.reason).toBe('auto-submit-form');
    expect(analyzePage(url, doc('<script src="/r.js"></script>', '')).needsBrowser.reason).toBe('empty-redirector-shell');
    const landing = doc('<script src="/analytics.js"></script>', `<h1>Shop</h1>${'<p>Lots of product text here for the reader.</p>'.repeat(10)}<a href="/buy">Buy</a>`);
    expect(analyzePage(url, landing).needsBrowser).toEqual({ needed: false });
  });

  test('stops reading once the redirect is known', () => {
    expect(redirectIsKnown(url, '<html><head><meta http-equiv="refresh" content="0;url=/a">')).toBe(true);
    expect(redirectIsKnown(url, '<html><head><script>location.href="/a"</script>')).toBe(false);
    expect(redirectIsKnown(url, '<html><head><script>location.href="/a"</script></head>')).toBe(true);
  });

  test('scanner reads attributes, entities and charset', () => {
    const s = scanHtml('<meta charset="windows-1251"><a href=x>1</a><a>no</a><body onload="go()">Hello &amp; welcome</body>');
    expect(s.metaCharset).toBe('windows-1251');
    expect(s.links).toBe(1);
    expect(s.bodyHandlers).toEqual(['go()']);
    expect(s.textLength).toBeGreaterThan(10);
  });
});

describe('bounded body reading', () => {
  test('decodes the declared charset, gzip, and stops at the cap', async () => {
    const cyr = Buffer.from([0x3c, 0x70, 0x3e, 0xcf, 0xf0, 0xe8, 0xe2, 0xe5, 0xf2]); // "<p>Привет" in windows-1251
    const r1 = await readBodyText(Readable.from([cyr]), { contentType: 'text/html; charset=windows-1251', maxBytes: 1000 });
    expect(r1.text).toBe('<p>Привет');
    const r2 = await readBodyText(Readable.from([zlib.gzipSync('<meta charset="utf-8"><p>ok')]), { contentEncoding: 'gzip', maxBytes: 1000 });
    expect(r2.text).toBe('<meta charset="utf-8"><p>ok');
    const big = Readable.from((function* () { for (let i = 0; i < 1000; i++) yield Buffer.alloc(16 * 1024, 0x61); })());
    const r3 = await readBodyText(big, { maxBytes: 100_000 });
    expect(r3.truncated).toBe(true);
    expect(r3.bytes).toBe(100_000);
    expect(big.destroyed).toBe(true);
  });

  test('sniffs <meta charset> and BOMs when the header says nothing', async () => {
    const latin = Buffer.concat([Buffer.from('<meta charset="iso-8859-1"><p>'), Buffer.from([0xe9])]);
    expect((await readBodyText(Readable.from([latin]), { maxBytes: 1000 })).text).toContain('é');
    const utf16 = Buffer.from('\ufeff<p>wide', 'utf16le');
    expect((await readBodyText(Readable.from([utf16]), { maxBytes: 1000 })).text).toBe('<p>wide');
  });
});
