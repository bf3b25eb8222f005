/**
 * The app's templates for IAM enforcement, synthesized once per jest run and shared by every e2e
 * suite: an in-process synth takes ~20 s, and each suite runs in its own worker process. Jest's
 * global setup writes them when the run includes e2e suites; otherwise the first worker to ask
 * takes a lock (an atomic mkdir) and writes them to the run's directory while the others wait for
 * the file. A worker that finds a stale lock (its holder died) synthesizes itself.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { synthesizeTemplates, type AppTemplates, type CfnTemplate } from '../../local/iam/templates';

const WAIT_MS = 180_000;

const load = (file: string): AppTemplates => new Map(Object.entries(JSON.parse(readFileSync(file, 'utf8')) as Record<string, CfnTemplate>));

const exists = (file: string): boolean => {
  try {
    statSync(file);
    return true;
  } catch {
    return false;
  }
};

/**
 * Synthesizes the templates into the run's directory now (jest's global setup, before any worker
 * starts, when the run includes e2e suites): no e2e suite's start-up then waits on a synth.
 */
export function writeSharedIamTemplates(runDir: string): void {
  const file = path.join(runDir, 'iam-templates.json');
  const tmp = `${file}.${process.pid}`;
  writeFileSync(tmp, JSON.stringify(Object.fromEntries(synthesizeTemplates())));
  renameSync(tmp, file);
}

export async function sharedIamTemplates(runDir = process.env.TEST_RUN_DIR): Promise<AppTemplates> {
  if (!runDir) return synthesizeTemplates();
  const file = path.join(runDir, 'iam-templates.json');
  const lock = path.join(runDir, 'iam-templates.lock');
  const deadline = Date.now() + WAIT_MS;
  while (!exists(file)) {
    try {
      mkdirSync(lock);
    } catch {
      if (Date.now() > deadline) return synthesizeTemplates();
      await sleep(250);
      continue;
    }
    try {
      const templates = synthesizeTemplates();
      const tmp = `${file}.${process.pid}`;
      writeFileSync(tmp, JSON.stringify(Object.fromEntries(templates)));
      renameSync(tmp, file);
      return templates;
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
  return load(file);
}
