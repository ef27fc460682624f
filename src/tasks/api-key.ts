/**
 * The Datadog API key from where it is stored (config's ApiKeySource), through readers that
 * the runtime backs with the AWS SDK (aws-stored-values.ts) and tests replace.
 */
import type { ApiKeySource } from './config.js';

/** The three reads; tests replace any of them. */
export interface StoredValueReaders {
  /** A secret's string. */
  readSecret(arn: string): Promise<string>;
  /** A parameter's value, SecureString decrypted. */
  readParameter(name: string): Promise<string>;
  /** KMS plaintext of base64 `ciphertext`, as UTF-8, under `context` when given. */
  decrypt(ciphertext: string, context?: Record<string, string>): Promise<string>;
}

/**
 * The encryption context the Lambda console adds when it encrypts an environment variable;
 * the AWS CLI adds none. Datadog's Lambda libraries try without it, then with it.
 */
const KMS_CONTEXT_KEY = 'LambdaFunctionName';

/**
 * The Datadog API key from `source`, trimmed (a stored value often ends in a newline). An
 * empty value is an error: the tracer would otherwise go quiet with nothing in the log.
 */
export async function readApiKey(source: ApiKeySource, readers: StoredValueReaders, functionName: string | undefined): Promise<string> {
  const key = (await readStored(source, readers, functionName)).trim();
  if (key === '') throw Object.assign(new Error('the stored API key is empty'), { name: 'EmptyApiKey' });
  return key;
}

async function readStored(source: ApiKeySource, readers: StoredValueReaders, functionName: string | undefined): Promise<string> {
  switch (source.variable) {
    case 'DD_API_KEY_SECRET_ARN':
      return readers.readSecret(source.value);
    case 'DD_API_KEY_SSM_NAME':
      return readers.readParameter(source.value);
    case 'DD_KMS_API_KEY':
      try {
        return await readers.decrypt(source.value);
      } catch (err) {
        if (functionName === undefined) throw err;
        return readers.decrypt(source.value, { [KMS_CONTEXT_KEY]: functionName });
      }
  }
}
