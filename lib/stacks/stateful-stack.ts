import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { DataTables } from '../constructs/data-tables';
import { WorkQueues } from '../constructs/work-queues';

export interface StatefulStackProps extends StackProps {
  /**
   * Retain tables and queues on stack deletion (deletion protection on). Turn off only for
   * throwaway dev stacks.
   * @default true
   */
  readonly retainData?: boolean;
}

/**
 * Everything that holds data — tables, queues and their DLQs — lives apart from code, so a code
 * deploy never replaces a data resource.
 */
export class StatefulStack extends Stack {
  public readonly data: DataTables;
  public readonly work: WorkQueues;

  constructor(scope: Construct, id: string, props: StatefulStackProps = {}) {
    super(scope, id, props);
    const retain = props.retainData ?? true;
    this.data = new DataTables(this, 'Tables', { retain });
    this.work = new WorkQueues(this, 'Queues', { retain });
  }
}
