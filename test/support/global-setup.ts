/**
 * One DynamoDB Local and one local SQS for the whole jest run: integration and e2e suites create
 * their own uniquely-prefixed tables and queues on them (test/support/local-endpoints.ts). A run of
 * unit suites only starts neither: they reach no network.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDynamoDbLocal } from '../../local/dynamodb-local';
import { startSqsLocal } from '../../local/sqs-local';
import { writeSharedIamTemplates } from './iam-templates';
import { runIncludesE2e, runIsUnitOnly, selectedProjects, type RunSelection } from './run-selection';

export default async function globalSetup(globalConfig: RunSelection = {}): Promise<void> {
  const config = { ...globalConfig, selectProjects: globalConfig.selectProjects ?? selectedProjects(process.argv) };
  if (runIsUnitOnly(config)) return;
  const [ddb, sqs] = await Promise.all([startDynamoDbLocal(), startSqsLocal()]);
  process.env.TEST_DDB_ENDPOINT = ddb.endpoint;
  process.env.TEST_SQS_ENDPOINT = sqs.endpoint;
  // Files the run's workers share (test/support/iam-templates.ts), removed at teardown.
  process.env.TEST_RUN_DIR = mkdtempSync(path.join(os.tmpdir(), 'tracepool-test-run-'));
  // The e2e suites enforce IAM from one shared synth: made here, so no suite's start-up waits on it.
  if (runIncludesE2e(config)) writeSharedIamTemplates(process.env.TEST_RUN_DIR);
  (globalThis as Record<string, unknown>).__tracepoolLocal = { ddb, sqs };
}
