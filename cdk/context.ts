/**
 * The app's settings from CDK context: `-c key=value` gives strings, cdk.json may hold
 * booleans and lists. A value of any other shape is refused: read as "unset", `"fifo": true`
 * deployed a standard queue and `"allowedPaths": ["/var/log"]` allowed every path.
 */
import type { Node } from 'constructs';
import type { RunnerStackProps } from './stack.js';

export interface AppSettings {
  stackName?: string;
  props: RunnerStackProps;
}

export function appSettings(node: Node): AppSettings {
  const text = (k: string): string | undefined => {
    const v: unknown = node.tryGetContext(k);
    if (v === undefined || v === '') return undefined;
    if (typeof v !== 'string') throw new Error(`context ${k}: expected a string, got ${JSON.stringify(v)}`);
    return v;
  };
  const list = (k: string): string[] | undefined => {
    const v: unknown = node.tryGetContext(k);
    if (Array.isArray(v) && v.every((s) => typeof s === 'string')) return v.map((s) => s.trim()).filter(Boolean);
    if (v !== undefined && typeof v !== 'string') throw new Error(`context ${k}: expected a comma-separated string or a list of strings, got ${JSON.stringify(v)}`);
    return text(k)?.split(',').map((s) => s.trim()).filter(Boolean);
  };
  const flag = (k: string): boolean => {
    const v: unknown = node.tryGetContext(k);
    if (v === undefined || v === '' || v === false || v === 'false') return false;
    if (v === true || v === 'true') return true;
    throw new Error(`context ${k}: expected true or false, got ${JSON.stringify(v)}`);
  };
  return {
    stackName: text('stackName'),
    props: {
      apiKeySecretName: text('apiKeySecret'),
      apiKeyParameterName: text('apiKeyParameter'),
      signingKeysSecretName: text('signingKeysSecret'),
      executor: {
        fifo: flag('fifo'),
        datadogSite: text('datadogSite'),
        allowedPaths: list('allowedPaths'),
        allowedCommands: list('allowedCommands'),
      },
    },
  };
}
