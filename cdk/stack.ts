/** The deployable stack: one TaskExecutor plus the outputs operators need. */
import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import { TaskExecutor, type TaskExecutorProps } from './task-executor.js';

export interface RunnerStackProps extends StackProps {
  /** Name or ARN of an existing secret holding the Datadog API key. */
  readonly apiKeySecretName?: string;
  /**
   * Name of an existing SSM parameter holding the Datadog API key (a SecureString under the
   * account's default `aws/ssm` key, or a String). Instead of `apiKeySecretName`.
   */
  readonly apiKeyParameterName?: string;
  /** Name or ARN of an existing secret holding the trusted signing keys JSON. */
  readonly signingKeysSecretName?: string;
  readonly executor?: Omit<TaskExecutorProps, 'apiKeySecret' | 'apiKeyParameter' | 'signingKeys'>;
}

export class RunnerStack extends Stack {
  readonly executor: TaskExecutor;

  constructor(scope: Construct, id: string, props: RunnerStackProps = {}) {
    super(scope, id, props);
    const secret = (name: string | undefined, cid: string) =>
      name === undefined
        ? undefined
        : name.startsWith('arn:')
          ? secretsmanager.Secret.fromSecretCompleteArn(this, cid, name)
          : secretsmanager.Secret.fromSecretNameV2(this, cid, name);
    this.executor = new TaskExecutor(this, 'Executor', {
      timeout: Duration.seconds(60),
      ...props.executor,
      apiKeySecret: secret(props.apiKeySecretName, 'ApiKeySecret'),
      apiKeyParameter:
        props.apiKeyParameterName === undefined
          ? undefined
          : ssm.StringParameter.fromSecureStringParameterAttributes(this, 'ApiKeyParameter', { parameterName: props.apiKeyParameterName }),
      signingKeys: secret(props.signingKeysSecretName, 'SigningKeysSecret'),
    });
    new CfnOutput(this, 'TaskQueueUrl', { value: this.executor.queue.queueUrl });
    if (this.executor.deadLetterQueue) new CfnOutput(this, 'DeadLetterQueueUrl', { value: this.executor.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'ResultsQueueUrl', { value: this.executor.resultsQueue.queueUrl });
    new CfnOutput(this, 'FunctionName', { value: this.executor.function.functionName });
  }
}
