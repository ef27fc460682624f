/**
 * `npx cdk synth` / `npx cdk deploy`. Settings come from CDK context (-c key=value), so the
 * app synthesises offline with no AWS credentials: no lookups, no environment-specific stack.
 * cdk.json may give the same settings as a boolean (fifo) and lists (allowedPaths, allowedCommands).
 *   -c apiKeySecret=<name|arn> (or -c apiKeyParameter=<SSM parameter name>)
 *   -c signingKeysSecret=<name|arn>  -c fifo=true
 *   -c datadogSite=datadoghq.eu  -c allowedPaths=/var/log,/tmp  -c allowedCommands=rshell:cat,rshell:grep
 */
import { App } from 'aws-cdk-lib';
import { appSettings } from './context.js';
import { RunnerStack } from './stack.js';

const app = new App();
try {
  const { stackName, props } = appSettings(app.node);
  new RunnerStack(app, stackName ?? 'LambdaActionRunner', props);
} catch (err) {
  // A context value or prop refused: its message names it; a stack trace would bury it.
  console.error((err as Error).message);
  process.exit(1);
}
app.synth();
