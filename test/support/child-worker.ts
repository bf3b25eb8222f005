// Test workers in child processes (puppeteer does not load inside jest): requests as JSON lines on
// the worker's stdin, each answered by one JSON line on its stdout carrying the request's id.
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** Sends requests to the worker and resolves each with its reply; all fail if the worker exits. */
export function workerRequests<Reply extends { id: number }>(child: ChildProcess, name: string): (body: Record<string, unknown>) => Promise<Reply> {
  const waiting = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  let next = 1;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    let reply: Reply;
    try {
      reply = JSON.parse(line) as Reply;
    } catch {
      return; // not a reply: something the worker's libraries printed
    }
    const w = waiting.get(reply.id);
    if (!w) return;
    waiting.delete(reply.id);
    w.resolve(reply);
  });
  child.on('exit', (code) => {
    for (const w of waiting.values()) w.reject(new Error(`${name} exited with ${code}`));
    waiting.clear();
  });
  return (body) =>
    new Promise((resolve, reject) => {
      const id = next++;
      waiting.set(id, { resolve, reject });
      child.stdin!.write(`${JSON.stringify({ ...body, id })}\n`);
    });
}

/** The worker's end: its stdin closed, then killed if it has not left within 10 s. */
export function endWorker(child: ChildProcess): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null) return resolve();
    const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.stdin!.end();
  });
}
