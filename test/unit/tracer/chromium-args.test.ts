// The flags the browser tracer launches Chromium with, from the package's own defaults.
import chromium from '@sparticuz/chromium';
import { chromiumArgs, REMOVED_FLAGS } from '../../../lambdas/tracer/chromium-launcher';

const args = chromiumArgs(chromium.args);

test('permissive flags a tracer does not need are gone', () => {
  for (const flag of [
    '--disable-web-security',
    '--allow-running-insecure-content',
    '--disable-site-isolation-trials',
    '--single-process',
    '--enable-features=SharedArrayBuffer',
  ]) {
    expect(args).not.toContain(flag);
  }
  // Each removed flag is one the package really sets, so the list says something.
  for (const flag of REMOVED_FLAGS) expect(chromium.args).toContain(flag);
});

test('one --disable-features (Chromium honours only the last), without turning site isolation off', () => {
  const lists = args.filter((a) => a.startsWith('--disable-features='));
  expect(lists).toHaveLength(1);
  const features = lists[0]!.slice('--disable-features='.length).split(',');
  expect(features).toEqual(expect.arrayContaining(['Prerender2', 'AudioServiceOutOfProcess']));
  expect(features).not.toContain('IsolateOrigins');
  expect(features).not.toContain('site-per-process');
});

test('WebRTC may only use the proxy; no background requests of Chromium its own', () => {
  expect(args).toContain('--force-webrtc-ip-handling-policy=disable_non_proxied_udp');
  expect(args).toEqual(expect.arrayContaining(['--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run']));
  expect(new Set(args).size).toBe(args.length);
});

test('pages are composited in software, while WebGL keeps its SwiftShader GPU', () => {
  expect(args).toContain('--disable-gpu-compositing');
  expect(args).not.toContain('--disable-gpu');
  expect(args).toEqual(expect.arrayContaining(['--use-gl=angle', '--use-angle=swiftshader']));
});
