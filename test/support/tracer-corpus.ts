// The differential corpus: pages as affiliate chains write them in the wild, each traced in HTTP,
// auto and browser mode against the bundled Chromium (test/integration/tracer/differential.test.ts,
// bench/trace.bench.ts). Every page says where Chromium lands (`lands`, checked against the real
// browser) and, where HTTP mode must be able to read it on its own, `http: 'resolves'`; a page
// marked `http: 'defers'` must be handed to the browser. Pages without `http` may go either way,
// as long as HTTP mode never lands somewhere else than the browser.
import http from 'node:http';
import zlib from 'node:zlib';
import type { AddressInfo, Socket } from 'node:net';

export interface CorpusPage {
  /** Served at /c/<id>. */
  id: string;
  what: string;
  /** Path (and query, fragment) Chromium lands on, on the corpus origin; or a full URL; or `outcome:<outcome>`. */
  lands: string;
  http?: 'resolves' | 'defers';
  /** Start here instead of /c/<id> (a path on the corpus origin, or on the redirect fixtures with `fixture:`). */
  start?: string;
}

interface Served {
  status?: number;
  headers?: Record<string, string>;
  body: string | Buffer;
}

const LANDING = `<h1>Welcome to the offer</h1>${'<p>A real landing page, with enough readable text for a visitor to read. </p>'.repeat(6)}<a href="/land/terms">Terms</a>`;
const doc = (head: string, body = '<p>Redirecting…</p>'): string =>
  `<!doctype html><html><head><meta charset="utf-8"><title>corpus</title>${head}</head><body>${body}</body></html>`;
/** The same, without a charset: the encoding comes from elsewhere. */
const bare = (head: string, body = '<p>Redirecting…</p>'): string => `<!doctype html><html><head><title>corpus</title>${head}</head><body>${body}</body></html>`;
const meta = (content: string): string => `<meta http-equiv="refresh" content="${content}">`;
const script = (code: string, attrs = ''): string => `<script${attrs}>${code}</script>`;
const latin1 = (s: string): Buffer => Buffer.from(s, 'latin1');
/** A latin1 document with raw bytes where `@@` stands (for encodings other than windows-1252). */
const withBytes = (text: string, bytes: number[]): Buffer => {
  const [before, after] = text.split('@@') as [string, string];
  return Buffer.concat([latin1(before), Buffer.from(bytes), latin1(after)]);
};
/** Inert code that looks like a real bundle: functions, strings naming location, no navigation. */
const BUNDLE = (kb: number): string => {
  const unit = `function f${'$'}I(a,b){var s="window.location.href='/land/WRONG'";return [a,b,s.length,{k:'location.replace(1)'}].join('|')}\n`;
  let out = '';
  for (let i = 0; out.length < kb * 1024; i++) out += unit.replace('$I', String(i));
  return out;
};

const html = (body: string, headers: Record<string, string> = {}, status = 200): Served => ({
  status,
  headers: { 'content-type': 'text/html; charset=utf-8', ...headers },
  body,
});
const typed = (type: string | undefined, body: string | Buffer, headers: Record<string, string> = {}, status = 200): Served => ({
  status,
  headers: { ...(type ? { 'content-type': type } : {}), ...headers },
  body,
});

/** What /c/<id> answers. `q` is the request's query (without '?'), `other` the cross-origin twin's origin. */
function servePage(id: string, q: URLSearchParams, cookie: string, other: string): Served | undefined {
  switch (id) {
    // — character references in the refresh URL (the HTML standard's attribute rules) —
    case 'ent-num':
      return html(doc(meta('0;url=/land/e?id=7&num=5&sub=a')));
    case 'ent-lt-gt':
      return html(doc(meta('0;url=/land/e?a=1&lt=2&gt=3&copy=4')));
    case 'ent-sect':
      return html(doc(meta('0;url=/land/e?s=&sect;&para;x')));
    case 'ent-amp':
      return html(doc(meta('0;url=/land/e?a=1&amp;b=2&#38;c=3&#x26;d=4')));
    case 'ent-legacy-end':
      return html(doc(meta('0;url=/land/e?c=1&copy.&not ')));
    case 'ent-unquoted':
      return html(doc('<meta http-equiv=refresh content=0;url=/land/e?u=1&amp;v=2&num=3>'));
    // — markup a browser does not act on —
    case 'comment-meta':
      return html(doc(`<!-- ${meta('0;url=/land/WRONG')} -->${meta('0;url=/land/comment')}`));
    case 'noscript-meta':
      return html(doc(`<noscript>${meta('0;url=/land/noscript')}</noscript>`, LANDING));
    case 'noscript-vs-real':
      return html(doc(`<noscript>${meta('0;url=/land/WRONG')}</noscript>${meta('1;url=/land/real')}`));
    case 'template-meta':
      return html(doc('', `<template>${meta('0;url=/land/WRONG')}</template>${LANDING}`));
    case 'textarea-meta':
      return html(doc('', `<textarea>${meta('0;url=/land/WRONG')}</textarea>${LANDING}`));
    case 'equiv-padded':
      return html(doc('<meta http-equiv=" refresh " content="0;url=/land/WRONG">', LANDING));
    case 'svg-meta':
      return html(doc('', `<svg><meta http-equiv="refresh" content="0;url=/land/svg"></svg>`));
    case 'body-meta':
      return html(doc('', `<p>Hold on</p>${meta('0;url=/land/body')}`));
    // — <base href> as the parser sees it when the refresh is read —
    case 'base-before':
      return html(doc(`<base href="/land/sub/">${meta('0;url=page?b=1')}`));
    case 'page':
      return html(doc('', LANDING));
    case 'base-after':
      return html(doc(`${meta('0;url=page?b=2')}<base href="/land/sub/">`));
    case 'base-two':
      return html(doc(`<base href="/land/one/"><base href="/land/two/">${meta('0;url=page')}`));
    case 'base-js':
      return html(doc(`<base href="/land/js/">${script('location.href = "page?b=3";')}`));
    // — several refreshes: a later one replaces an earlier one unless its delay is longer —
    case 'two-later-shorter':
      return html(doc(meta('1;url=/land/WRONG') + meta('0;url=/land/second')));
    case 'two-later-longer':
      return html(doc(meta('0;url=/land/first') + meta('1;url=/land/WRONG')));
    case 'two-equal':
      return html(doc(meta('0;url=/land/WRONG') + meta('0;url=/land/equal-second')));
    case 'header-then-meta':
      return html(doc(meta('0;url=/land/meta-wins')), { refresh: '0;url=/land/WRONG' });
    case 'header-shorter':
      return html(doc(meta('1;url=/land/WRONG')), { refresh: '0;url=/land/header-wins' });
    case 'jsurl-refresh-ignored':
      return html(doc(meta('0;url=javascript:location.replace("/land/WRONG")') + meta('1;url=/land/after-jsurl')));
    case 'refresh-long':
      return html(doc(meta('30;url=/land/WRONG'), LANDING));
    case 'refresh-1s':
      return html(doc(meta('1;url=/land/one-second')));
    case 'meta-on-404':
      return html(doc(meta('0;url=/land/from-404')), {}, 404);
    case 'refresh-header-plain':
      return typed('text/plain', 'moved', { refresh: '0;url=/land/plain-header' });
    case 'plain-text-meta':
      return typed('text/plain', meta('0;url=/land/WRONG'));
    case 'untyped-html':
      return typed(undefined, `<html><body>${meta('0;url=/land/sniffed')}</body></html>`);
    case 'untyped-text':
      return typed(undefined, `plain words first ${meta('0;url=/land/WRONG')}`);
    case 'refresh-deeplink':
      return html(doc(meta('0;url=market://details?id=com.example.corpus')));
    case 'refresh-data':
      return html(doc(meta('0;url=data:text/html,hello'), LANDING));
    // — the document's encoding, used for the query of the URLs it names —
    case 'w1252-header':
      return typed('text/html; charset=windows-1252', latin1(bare(meta('0;url=/land/enc?q=caf\u00e9'))));
    case 'w1252-meta':
      return typed('text/html', latin1(bare('<meta charset="windows-1252">' + meta('0;url=/land/enc?q=\u00e9t\u00e9'))));
    case 'w1252-http-equiv':
      return typed('text/html', latin1(bare('<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1">' + meta('0;url=/land/enc?q=na\u00efve'))));
    case 'w1252-parts':
      return typed('text/html; charset=windows-1252', latin1(bare(meta('0;url=/land/caf\u00e9/x?q=\u00e9#\u00e9'))));
    case 'w1252-unmappable':
      return typed('text/html; charset=windows-1252', latin1(bare(meta('0;url=/land/enc?q=&#8364;&#12354;'))));
    case 'w1252-js':
      return typed('text/html; charset=windows-1252', latin1(bare(script('location.href = "/land/enc?js=\u00e9";'))));
    case 'koi8-header':
      return typed('text/html; charset=koi8-r', withBytes(bare(meta('0;url=/land/enc?q=@@')), [0xc4, 0xc1]));
    case 'bom-beats-header':
      return typed('text/html; charset=windows-1252', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(bare(meta('0;url=/land/enc?q=\u00e9')), 'utf8')]));
    case 'utf16le-bom':
      return typed('text/html', Buffer.from(`\ufeff${bare(meta('0;url=/land/enc?q=\u00e9&u=16'))}`, 'utf16le'));
    case 'utf16le-js':
      return typed('text/html; charset=utf-16le', Buffer.from(bare(script('location.replace("/land/enc?wide=js")')), 'utf16le'));
    case 'shift-jis':
      return typed('text/html; charset=shift_jis', withBytes(bare(meta('0;url=/land/enc?q=@@')), [0x82, 0xa0]));
    case 'undeclared-8bit':
      return typed('text/html', latin1(bare(meta('0;url=/land/enc?q=\u00e9'))));
    // — compressed bodies —
    case 'gzip-meta':
      return typed('text/html; charset=utf-8', zlib.gzipSync(doc(meta('0;url=/land/gzip'))), { 'content-encoding': 'gzip' });
    case 'brotli-js':
      return typed('text/html; charset=utf-8', zlib.brotliCompressSync(doc(script('location.replace("/land/br")'))), { 'content-encoding': 'br' });
    case 'deflate-meta':
      return typed('text/html; charset=utf-8', zlib.deflateSync(doc(meta('0;url=/land/deflate'))), { 'content-encoding': 'deflate' });
    // — scripts read as code —
    case 'js-comment-decoys':
      return html(doc(script('// location.href = "/land/WRONG1";\n/* window.location = "/land/WRONG2"; */\nlocation.href = "/land/js-right";')));
    case 'js-string-decoy':
      return html(doc(script("var note = \"window.location='/land/WRONG'\";\nwindow.location.replace('/land/string-decoy');")));
    case 'js-concat':
      return html(doc(script('window.location.href = "/land/" + "concat" + "?n=" + 7;')));
    case 'js-template':
      return html(doc(script('location.assign(`/land/template`);')));
    case 'js-iife':
      return html(doc(script('(function () { "use strict"; var unused = 1; top.location.replace("/land/iife"); })();')));
    case 'js-try-framebust':
      return html(doc(script('try { if (top !== self) {} top.location.href = "/land/try"; } catch (e) {}')));
    case 'js-escaped':
      return html(doc(script('location.href = "\\/land\\/escaped?a=1\\u0026b=2";')));
    case 'js-amp-literal':
      return html(doc(script('location.href = "/land/amp?a=1&amp;b=2";')));
    case 'js-first-script-wins':
      return html(doc(script(`location.href = "/slow?ms=300&to=${encodeURIComponent('/land/first-script')}";`) + script('location.href = "/land/WRONG";')));
    case 'js-same-script-last':
      return html(doc(script(`location.href = "/slow?ms=300&to=/land/WRONG"; location.href = "/land/last-in-script";`)));
    case 'js-beats-meta':
      return html(doc(meta('0;url=/land/WRONG') + script('location.replace("/land/js-beats-meta")')));
    case 'js-throws-first':
      return html(doc(script('trackVisit("x"); location.href = "/land/WRONG";'), LANDING));
    case 'js-after-throwing':
      return html(doc(script('null.x;') + script('location.assign("/land/after-throw")')));
    case 'js-shadowed':
      return html(doc(script('(function () { var location = {}; location.href = "/land/WRONG"; })();'), LANDING));
    case 'js-big-inline':
      return html(doc(script(BUNDLE(300)) + script('location.replace("/land/after-big-script")')));
    case 'big-inline-then-meta':
      return html(doc(script(BUNDLE(300)) + meta('0;url=/land/after-big-meta')));
    case 'js-nomodule':
      return html(doc(script('location.href = "/land/WRONG"', ' nomodule'), LANDING));
    case 'js-type-plain':
      return html(doc(script('location.href = "/land/WRONG"', ' type="text/plain"'), LANDING));
    case 'js-vbscript':
      return html(doc(script('location.href = "/land/WRONG"', ' language="vbscript"'), LANDING));
    case 'js-svg-script':
      return html(doc('', `<svg>${script('location.href = "/land/svg-script"')}</svg>`));
    case 'js-open-self':
      return html(doc(script('window.open("/land/open-self", "_self");')));
    case 'js-location-search': {
      if (q.get('step') === '2') return html(doc('', LANDING));
      return html(doc(script('location.search = "?step=2";')));
    }
    case 'js-javascript-url':
      return html(doc(script('location.href = "javascript:location.replace(\'/land/jsurl\')";')));
    case 'js-data-url':
      return html(doc(script('location.href = "data:text/html,hello";'), LANDING));
    case 'js-deeplink':
      return html(doc(script('location.href = "intent://open#Intent;scheme=corpus;end";')));
    // — pages that need the browser —
    case 'js-computed':
      return html(doc(script('var parts = ["/land/", "comp", "uted"]; location.href = parts.join("");')));
    case 'js-conditional':
      return html(doc(script('if (navigator.webdriver === undefined || true) { location.href = "/land/conditional"; }')));
    case 'js-timer':
      return html(doc(script('setTimeout(function () { location.href = "/land/timer"; }, 200);')));
    case 'js-onload':
      return html(doc('', `<p>Hold on</p>`).replace('<body>', '<body onload="location.href=\'/land/onload\'">'));
    case 'js-dom-ready':
      return html(doc(script('document.addEventListener("DOMContentLoaded", function () { location.replace("/land/dom-ready"); });')));
    case 'js-cookie-then-go':
      return html(doc(script('document.cookie = "corpus_gate=1; path=/"; location.href = "/gate";')));
    case 'js-cookie-then-meta':
      return html(doc(script('document.cookie = "corpus_gate=1; path=/";') + meta('0;url=/gate')));
    case 'js-storage-then-go':
      return html(doc(script('sessionStorage.setItem("seen", "1"); location.href = "/c/storage-check";')));
    case 'storage-check':
      return html(doc(script('location.replace(sessionStorage.getItem("seen") ? "/land/storage-yes" : "/land/storage-no");')));
    case 'js-click-link':
      return html(doc('', `<a id="go" href="/land/clicked">continue</a>${script('document.getElementById("go").click();')}`));
    case 'js-form-get':
      return html(doc('', `<form id="f" action="/land/form"><input type="hidden" name="sub" value="s1"></form>${script('document.forms[0].submit();')}`));
    case 'js-document-write':
      return html(doc(script(`document.write('<meta http-equiv="refresh" content="0;url=/land/written">');`)));
    case 'js-inner-html':
      return html(doc('', `<div id="d"></div>${script(`document.getElementById("d").innerHTML = '<meta http-equiv="refresh" content="0;url=/land/inner">';`)}`));
    case 'js-module-beats-meta':
      return html(doc(script('location.href = "/land/module";', ' type="module"') + meta('0;url=/land/WRONG')));
    case 'frame-busts-top':
      return html(doc('', '<iframe src="/c/frame-inner"></iframe>'));
    case 'frame-inner':
      return html(doc(script('top.location.href = "/land/from-frame";'), ''));
    case 'frame-cross-origin':
      return html(doc('', `${LANDING}<iframe src="${other}/c/frame-inner-x"></iframe>`));
    case 'external-shell':
      return html('<html><head><script src="/ext/nav.js"></script></head><body></body></html>');
    case 'external-then-meta':
      return html(doc(`<script src="/ext/nav.js"></script>${meta('5;url=/land/WRONG')}`));
    case 'async-then-meta':
      return html(doc(`<script async src="/ext/track.js"></script>${meta('0;url=/land/async-meta')}`));
    case 'csp-blocks-inline':
      return html(doc(script('location.href = "/land/WRONG";') + meta('1;url=/land/csp-meta')), { 'content-security-policy': "script-src 'self'" });
    case 'csp-sandbox':
      return html(doc(meta('0;url=/land/WRONG'), LANDING), { 'content-security-policy': 'sandbox' });
    case 'xhtml-noscript':
      return typed(
        'application/xhtml+xml',
        `<html xmlns="http://www.w3.org/1999/xhtml"><head><title>x</title><noscript><meta http-equiv="refresh" content="0;url=/land/xhtml"/></noscript></head><body><p>x</p></body></html>`,
      );
    // — landing pages that stay —
    case 'landing-analytics':
      return html(
        doc(
          `<script async src="/ext/track.js"></script>${script('window.dataLayer = window.dataLayer || []; function gtag(){dataLayer.push(arguments);} gtag("js", new Date()); var since = location.href.length; setTimeout(function () { dataLayer.push({ t: 1 }); }, 100);')}`,
          LANDING,
        ),
      );
    case 'landing-click-handlers':
      return html(
        doc(
          script('document.addEventListener("click", function () { location.href = "/land/WRONG"; });'),
          `${LANDING}<button onclick="location.href='/land/WRONG'">Buy</button>`,
        ),
      );
    case 'landing-popup':
      return html(doc(script('window.open("/land/popup");'), LANDING));
    // — fragments —
    case 'fragment-302':
      return { status: 302, headers: { location: '/land/frag#section' }, body: '' };
    case 'fragment-inherit':
      return { status: 302, headers: { location: '/land/inherit' }, body: '' };
    case 'fragment-meta':
      return html(doc(meta('0;url=/land/frag-meta#top')));
    case 'fragment-only-js':
      return html(doc(script('location.hash = "#moved";'), LANDING));
    case 'redirect-to-data':
      return { status: 302, headers: { location: 'data:text/html,hi' }, body: '' };
    default:
      void cookie;
      return undefined;
  }
}

export const CORPUS: CorpusPage[] = [
  { id: 'ent-num', what: '&num=5 in a refresh URL stays as written', lands: '/land/e?id=7&num=5&sub=a', http: 'resolves' },
  { id: 'ent-lt-gt', what: '&lt= &gt= &copy= stay as written', lands: '/land/e?a=1&lt=2&gt=3&copy=4', http: 'resolves' },
  { id: 'ent-sect', what: '&sect; and &para; are decoded', lands: '/land/e?s=%C2%A7%C2%B6x', http: 'resolves' },
  { id: 'ent-amp', what: '&amp; and numeric references', lands: '/land/e?a=1&b=2&c=3&d=4', http: 'resolves' },
  { id: 'ent-legacy-end', what: 'legacy references without ; before other characters are decoded', lands: '/land/e?c=1%C2%A9.%C2%AC', http: 'resolves' },
  { id: 'ent-unquoted', what: 'unquoted attribute with references', lands: '/land/e?u=1&v=2&num=3', http: 'resolves' },
  { id: 'comment-meta', what: 'a commented-out refresh before the real one', lands: '/land/comment', http: 'resolves' },
  { id: 'noscript-meta', what: 'a refresh inside <noscript> is ignored with scripting on', lands: '/c/noscript-meta', http: 'resolves' },
  { id: 'noscript-vs-real', what: 'a <noscript> refresh does not beat the real one', lands: '/land/real', http: 'resolves' },
  { id: 'template-meta', what: 'a refresh inside <template> is inert', lands: '/c/template-meta', http: 'resolves' },
  { id: 'textarea-meta', what: 'a refresh inside <textarea> is text', lands: '/c/textarea-meta', http: 'resolves' },
  { id: 'equiv-padded', what: 'http-equiv=" refresh " does not match', lands: '/c/equiv-padded', http: 'resolves' },
  { id: 'svg-meta', what: '<meta> breaks out of <svg> and refreshes', lands: '/land/svg', http: 'resolves' },
  { id: 'body-meta', what: 'a refresh in the body', lands: '/land/body', http: 'resolves' },
  { id: 'base-before', what: '<base> before the refresh applies', lands: '/land/sub/page?b=1', http: 'resolves' },
  { id: 'base-after', what: '<base> after the refresh does not apply to it', lands: '/c/page?b=2', http: 'resolves' },
  { id: 'base-two', what: 'the first <base> wins', lands: '/land/one/page', http: 'resolves' },
  { id: 'base-js', what: '<base> applies to script navigations', lands: '/land/js/page?b=3', http: 'resolves' },
  { id: 'two-later-shorter', what: 'a later, shorter refresh replaces the earlier one', lands: '/land/second', http: 'resolves' },
  { id: 'two-later-longer', what: 'a later, longer refresh is ignored', lands: '/land/first', http: 'resolves' },
  { id: 'two-equal', what: 'a later refresh with the same delay replaces the earlier one', lands: '/land/equal-second', http: 'resolves' },
  { id: 'header-then-meta', what: 'a <meta> refresh replaces the Refresh header of the same delay', lands: '/land/meta-wins', http: 'resolves' },
  { id: 'header-shorter', what: 'a longer <meta> refresh does not replace the Refresh header', lands: '/land/header-wins', http: 'resolves' },
  { id: 'jsurl-refresh-ignored', what: 'a javascript: refresh is refused and replaces nothing', lands: '/land/after-jsurl', http: 'resolves' },
  { id: 'refresh-long', what: 'a 30 s refresh is a landing page, not a redirect', lands: '/c/refresh-long', http: 'resolves' },
  { id: 'refresh-1s', what: 'a 1 s refresh is followed', lands: '/land/one-second', http: 'resolves' },
  { id: 'meta-on-404', what: 'a 404 page that refreshes', lands: '/land/from-404', http: 'resolves' },
  { id: 'refresh-header-plain', what: 'the Refresh header on a text/plain answer', lands: '/land/plain-header', http: 'resolves' },
  { id: 'plain-text-meta', what: 'markup in text/plain is text', lands: '/c/plain-text-meta', http: 'resolves' },
  { id: 'untyped-html', what: 'no Content-Type, sniffed as HTML', lands: '/land/sniffed', http: 'resolves' },
  { id: 'untyped-text', what: 'no Content-Type, sniffed as text', lands: '/c/untyped-text', http: 'resolves' },
  { id: 'refresh-deeplink', what: 'a refresh to an app deep link ends the chain', lands: 'market://details?id=com.example.corpus', http: 'resolves' },
  { id: 'refresh-data', what: 'a refresh to data: is refused by the browser', lands: '/c/refresh-data' },
  { id: 'w1252-header', what: 'windows-1252 from the header: é in the query is %E9', lands: '/land/enc?q=caf%E9', http: 'resolves' },
  { id: 'w1252-meta', what: 'windows-1252 from <meta charset>', lands: '/land/enc?q=%E9t%E9', http: 'resolves' },
  { id: 'w1252-http-equiv', what: 'ISO-8859-1 (windows-1252) from http-equiv content-type', lands: '/land/enc?q=na%EFve', http: 'resolves' },
  { id: 'w1252-parts', what: 'path and fragment are UTF-8, the query windows-1252', lands: '/land/caf%C3%A9/x?q=%E9#%C3%A9', http: 'resolves' },
  { id: 'w1252-unmappable', what: 'a character windows-1252 lacks becomes &#N; in the query', lands: '/land/enc?q=%80%26%2312354%3B', http: 'resolves' },
  { id: 'w1252-js', what: 'script navigations use the document encoding too', lands: '/land/enc?js=%E9', http: 'resolves' },
  { id: 'koi8-header', what: 'KOI8-R query bytes', lands: '/land/enc?q=%C4%C1', http: 'resolves' },
  { id: 'bom-beats-header', what: 'a UTF-8 BOM overrides the header charset', lands: '/land/enc?q=%C3%A9', http: 'resolves' },
  { id: 'utf16le-bom', what: 'UTF-16LE page (BOM); URLs in UTF-16 pages use UTF-8', lands: '/land/enc?q=%C3%A9&u=16', http: 'resolves' },
  { id: 'utf16le-js', what: 'UTF-16LE page (header) with a script redirect', lands: '/land/enc?wide=js', http: 'resolves' },
  { id: 'shift-jis', what: 'Shift_JIS query bytes', lands: '/land/enc?q=%82%A0' },
  { id: 'undeclared-8bit', what: 'no declared encoding and a non-ASCII query: the browser guesses', lands: '/land/enc?q=%E9' },
  { id: 'gzip-meta', what: 'gzip body', lands: '/land/gzip', http: 'resolves' },
  { id: 'brotli-js', what: 'brotli body', lands: '/land/br', http: 'resolves' },
  { id: 'deflate-meta', what: 'deflate body', lands: '/land/deflate', http: 'resolves' },
  { id: 'js-comment-decoys', what: 'redirects in // and /* */ comments are not code', lands: '/land/js-right', http: 'resolves' },
  { id: 'js-string-decoy', what: 'a string that contains window.location= is not code', lands: '/land/string-decoy', http: 'resolves' },
  { id: 'js-concat', what: 'concatenated string literals', lands: '/land/concat?n=7', http: 'resolves' },
  { id: 'js-template', what: 'a template literal without substitutions', lands: '/land/template', http: 'resolves' },
  { id: 'js-iife', what: 'a redirect inside an immediately invoked function', lands: '/land/iife', http: 'resolves' },
  { id: 'js-try-framebust', what: 'a redirect inside try/catch', lands: '/land/try' },
  { id: 'js-escaped', what: 'escapes in the string literal', lands: '/land/escaped?a=1&b=2', http: 'resolves' },
  { id: 'js-amp-literal', what: '&amp; inside a script is not a character reference', lands: '/land/amp?a=1&amp;b=2', http: 'resolves' },
  { id: 'js-first-script-wins', what: 'the first script that navigates stops the parser', lands: '/land/first-script', http: 'resolves' },
  { id: 'js-same-script-last', what: 'within one script, the last navigation wins', lands: '/land/last-in-script', http: 'resolves' },
  { id: 'js-beats-meta', what: 'a script navigation beats a refresh, which waits for the load event', lands: '/land/js-beats-meta', http: 'resolves' },
  { id: 'js-throws-first', what: 'a script that throws before its redirect does not navigate', lands: '/c/js-throws-first' },
  { id: 'js-after-throwing', what: 'a script after one that threw still runs', lands: '/land/after-throw', http: 'resolves' },
  { id: 'js-shadowed', what: 'a local variable named location is not the location', lands: '/c/js-shadowed' },
  { id: 'js-big-inline', what: '300 KB of inline script before the redirect', lands: '/land/after-big-script', http: 'resolves' },
  { id: 'big-inline-then-meta', what: '300 KB of inline script before a refresh', lands: '/land/after-big-meta', http: 'resolves' },
  { id: 'js-nomodule', what: 'nomodule scripts do not run', lands: '/c/js-nomodule', http: 'resolves' },
  { id: 'js-type-plain', what: 'a text/plain script does not run', lands: '/c/js-type-plain', http: 'resolves' },
  { id: 'js-vbscript', what: 'a vbscript script does not run', lands: '/c/js-vbscript', http: 'resolves' },
  { id: 'js-svg-script', what: 'an SVG <script> runs', lands: '/land/svg-script', http: 'resolves' },
  { id: 'js-open-self', what: 'window.open(url, "_self")', lands: '/land/open-self', http: 'resolves' },
  { id: 'js-location-search', what: 'location.search = … navigates to the same page with that query', lands: '/c/js-location-search?step=2', http: 'resolves' },
  { id: 'js-javascript-url', what: 'a javascript: URL runs code that navigates', lands: '/land/jsurl', http: 'defers' },
  { id: 'js-data-url', what: 'a script navigation to data: is refused', lands: '/c/js-data-url' },
  { id: 'js-deeplink', what: 'a script navigation to an intent:// deep link', lands: 'intent://open#Intent;scheme=corpus;end', http: 'resolves' },
  { id: 'js-computed', what: 'a computed target', lands: '/land/computed', http: 'defers' },
  { id: 'js-conditional', what: 'a conditional redirect', lands: '/land/conditional', http: 'defers' },
  { id: 'js-timer', what: 'a redirect in a timer', lands: '/land/timer', http: 'defers' },
  { id: 'js-onload', what: 'a redirect in <body onload>', lands: '/land/onload', http: 'defers' },
  { id: 'js-dom-ready', what: 'a redirect on DOMContentLoaded', lands: '/land/dom-ready', http: 'defers' },
  { id: 'js-cookie-then-go', what: 'a script sets a cookie, then navigates to a page that checks it', lands: '/land/cookie-yes', http: 'defers' },
  { id: 'js-cookie-then-meta', what: 'a script sets a cookie, a refresh goes to a page that checks it', lands: '/land/cookie-yes', http: 'defers' },
  { id: 'js-storage-then-go', what: 'sessionStorage written, then read by the next page', lands: '/land/storage-yes', http: 'defers' },
  { id: 'js-click-link', what: 'a script clicks a link', lands: '/land/clicked', http: 'defers' },
  { id: 'js-form-get', what: 'a script submits a GET form', lands: '/land/form?sub=s1', http: 'defers' },
  { id: 'js-document-write', what: 'document.write of a refresh', lands: '/land/written', http: 'defers' },
  { id: 'js-inner-html', what: 'a refresh inserted with innerHTML', lands: '/land/inner', http: 'defers' },
  { id: 'js-module-beats-meta', what: 'a module script navigates after parsing, before load', lands: '/land/module', http: 'defers' },
  { id: 'frame-busts-top', what: 'a same-origin frame navigates the top window', lands: '/land/from-frame', http: 'defers' },
  { id: 'frame-cross-origin', what: 'a cross-origin frame may not navigate the top window without a click', lands: '/c/frame-cross-origin' },
  { id: 'external-shell', what: 'an empty page running an external script', lands: '/land/external', http: 'defers' },
  { id: 'external-then-meta', what: 'an external script redirects before the refresh fallback', lands: '/land/external', http: 'defers' },
  { id: 'async-then-meta', what: 'an async analytics script and a refresh', lands: '/land/async-meta' },
  { id: 'csp-blocks-inline', what: 'CSP blocks the inline redirect; the refresh runs', lands: '/land/csp-meta' },
  { id: 'csp-sandbox', what: 'a CSP sandbox blocks the refresh', lands: '/c/csp-sandbox' },
  { id: 'xhtml-noscript', what: 'XHTML: <noscript> is not special to the XML parser', lands: '/land/xhtml', http: 'defers' },
  { id: 'landing-analytics', what: 'a landing page with analytics code', lands: '/c/landing-analytics', http: 'resolves' },
  { id: 'landing-click-handlers', what: 'a landing page whose redirects wait for a click', lands: '/c/landing-click-handlers', http: 'resolves' },
  { id: 'landing-popup', what: 'window.open to a new window leaves the page where it is', lands: '/c/landing-popup', http: 'resolves' },
  { id: 'fragment-302', what: 'a Location with a fragment', lands: '/land/frag#section', http: 'resolves' },
  {
    id: 'fragment-inherit',
    what: "a Location without a fragment inherits the request URL's",
    lands: '/land/inherit#keep',
    http: 'resolves',
    start: '/c/fragment-inherit#keep',
  },
  { id: 'fragment-meta', what: 'a refresh URL with a fragment', lands: '/land/frag-meta#top', http: 'resolves' },
  { id: 'fragment-only-js', what: "location.hash changes the document's fragment, not the page", lands: '/c/fragment-only-js' },
  { id: 'redirect-to-data', what: 'a 302 to data: is refused', lands: 'outcome:error' },
  // The redirect fixtures the other tracer tests use.
  { id: 'fx-302', what: 'fixture: 302', lands: '/landing?via=302', http: 'resolves', start: 'fixture:/status/302' },
  { id: 'fx-refresh-header', what: 'fixture: Refresh header', lands: '/landing?via=refresh-header', http: 'resolves', start: 'fixture:/refresh-header' },
  { id: 'fx-meta-spaces', what: 'fixture: meta refresh with odd spacing', lands: '/landing?meta=spaces', http: 'resolves', start: 'fixture:/meta/spaces' },
  { id: 'fx-meta-dot-delay', what: 'fixture: meta refresh ".5"', lands: '/landing?meta=dot-delay', http: 'resolves', start: 'fixture:/meta/dot-delay' },
  { id: 'fx-meta-entity', what: 'fixture: meta refresh with &amp;', lands: '/landing?meta=entity&b=2', http: 'resolves', start: 'fixture:/meta/entity' },
  { id: 'fx-meta-noscript', what: 'fixture: <noscript> refresh only', lands: '/meta/noscript', http: 'resolves', start: 'fixture:/meta/noscript' },
  { id: 'fx-js-document', what: 'fixture: document.location.href', lands: '/landing?js=document', http: 'resolves', start: 'fixture:/js/document' },
  { id: 'fx-js-timeout', what: 'fixture: redirect in a timer', lands: '/landing?js=timeout', http: 'defers', start: 'fixture:/js/timeout' },
  { id: 'fx-computed-js', what: 'fixture: computed redirect', lands: '/landing?js=computed', http: 'defers', start: 'fixture:/computed-js' },
  { id: 'fx-form-auto', what: 'fixture: auto-submitted POST form', lands: '/landing?form=1', http: 'defers', start: 'fixture:/form-auto' },
  { id: 'fx-shell', what: 'fixture: empty shell with an external script', lands: '/landing?shell=1', http: 'defers', start: 'fixture:/shell' },
  { id: 'fx-cookie-gate', what: 'fixture: cookie-gated 302 bounce', lands: '/landing?cookie=ok', http: 'resolves', start: 'fixture:/cookie-gate' },
  { id: 'fx-chain-meta', what: 'fixture: 3 meta refreshes', lands: '/landing?kind=meta', http: 'resolves', start: 'fixture:/chain/3?kind=meta' },
  { id: 'fx-chain-js', what: 'fixture: 3 script redirects', lands: '/landing?kind=js', http: 'resolves', start: 'fixture:/chain/3?kind=js' },
  {
    id: 'fx-cookie-then-computed',
    what: 'fixture: cookie over HTTP, then a computed redirect',
    lands: '/landing?cookie=carried',
    http: 'defers',
    start: 'fixture:/cookie-then-computed',
  },
  { id: 'fx-utf16', what: 'fixture: UTF-16 page', lands: '/landing?enc=utf16', http: 'resolves', start: 'fixture:/utf16' },
  {
    id: 'fx-deeplink-js',
    what: 'fixture: script to intent://',
    lands: 'intent://open?offer=1#Intent;scheme=exampleapp;package=com.example.app;end',
    http: 'resolves',
    start: 'fixture:/deeplink/js-intent',
  },
];

export interface CorpusServer {
  origin: string;
  /** The cross-origin twin (same pages, another port). */
  otherOrigin: string;
  url(path: string): string;
  close(): Promise<void>;
}

const EXTERNAL: Record<string, string> = {
  'nav.js': 'location.replace("/land/external");',
  'track.js': 'window.__tracked = (window.__tracked || 0) + 1;',
};

export async function startCorpusServer(): Promise<CorpusServer> {
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let otherOrigin = '';
  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const u = new URL(req.url ?? '/', 'http://corpus');
    const cookie = String(req.headers.cookie ?? '');
    const parts = u.pathname.split('/').filter(Boolean);
    const send = (s: Served): void => {
      res.writeHead(s.status ?? 200, { 'cache-control': 'no-store', ...s.headers });
      res.end(s.body);
    };
    if (parts[0] === 'land') return send(html(doc('', LANDING)));
    if (parts[0] === 'gate') return send({ status: 302, headers: { location: /(?:^|;\s*)corpus_gate=1/.test(cookie) ? '/land/cookie-yes' : '/land/cookie-no' }, body: '' });
    if (parts[0] === 'ext' && parts[1] && EXTERNAL[parts[1]]) return send(typed('text/javascript', EXTERNAL[parts[1]]!));
    if (parts[0] === 'slow') {
      const t = setTimeout(
        () => {
          timers.delete(t);
          send({ status: 302, headers: { location: u.searchParams.get('to') ?? '/land/slow' }, body: '' });
        },
        Number(u.searchParams.get('ms') ?? 300),
      );
      timers.add(t);
      return;
    }
    if (parts[0] === 'c' && parts[1] === 'frame-inner-x') return send(html(doc(script('try { top.location.href = "/land/WRONG-cross-origin"; } catch (e) {}'), '')));
    const served = parts[0] === 'c' && parts[1] ? servePage(parts[1], u.searchParams, cookie, otherOrigin) : undefined;
    if (served) return send(served);
    send(html(doc('', '<p>not found</p>'), {}, 404));
  };
  const listen = (server: http.Server): Promise<number> =>
    new Promise((resolve, reject) => {
      server.on('connection', (s: Socket) => {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
      });
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
    });
  const main = http.createServer(handler);
  const twin = http.createServer(handler);
  const origin = `http://127.0.0.1:${await listen(main)}`;
  otherOrigin = `http://127.0.0.1:${await listen(twin)}`;
  return {
    origin,
    otherOrigin,
    url: (path) => `${origin}${path}`,
    close: async () => {
      for (const t of timers) clearTimeout(t);
      for (const s of sockets) s.destroy();
      await Promise.all([main, twin].map((s) => new Promise<void>((r) => s.close(() => r()))));
    },
  };
}

/** The answer a trace gives, in the terms the suite compares: where it landed, or how it failed. */
export function answerOf(result: { outcome: string; finalUrl: string; error?: { class: string } }): string {
  return result.outcome === 'resolved' ? result.finalUrl : `outcome:${result.outcome}`;
}
