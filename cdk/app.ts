/**
 * `npx cdk synth` / `npx cdk deploy`. Settings come from CDK context (-c key=value), so the
 * app synthesises offline with no AWS credentials: no lookups, no environment-specific stack.
 *   -c apiKeySecret=<name|arn> (or -c apiKeyParameter=<SSM parameter name>)
 *   -c signingKeysSecret=<name|arn>  -c fifo=true
 *   -c datadogSite=datadoghq.eu  -c allowedPaths=/var/log,/tmp  -c allowedCommands=rshell:cat,rshell:grep
 */
import { App } from 'aws-cdk-lib';
import { RunnerStack } from './stack.js';

const app = new App();
const ctx = (k: string): string | undefined => {
  const v: unknown = app.node.tryGetContext(k);
  return typeof v === 'string' && v !== '' ? v : undefined;
};
const list = (k: string) => ctx(k)?.split(',').map((s) => s.trim()).filter(Boolean);

new RunnerStack(app, ctx('stackName') ?? 'LambdaActionRunner', {
  apiKeySecretName: ctx('apiKeySecret'),
  apiKeyParameterName: ctx('apiKeyParameter'),
  signingKeysSecretName: ctx('signingKeysSecret'),
  executor: {
    fifo: ctx('fifo') === 'true',
    datadogSite: ctx('datadogSite'),
    allowedPaths: list('allowedPaths'),
    allowedCommands: list('allowedCommands'),
  },
});
app.synth();
