/**
 * Reads values kept in AWS for the runner: Secrets Manager secrets, SSM parameters and KMS
 * ciphertexts. This module is itself loaded on first use (see runtime.ts), and so is each
 * service's client (the Lambda runtime ships the SDK; a container that never needs one never
 * pays for loading it), shared by the container's later reads.
 */
import type { StoredValueReaders } from './api-key.js';

/** Each AWS call gives up after this long: a cold start must not hang on a stalled endpoint. */
const CALL_TIMEOUT_MS = 5000;

/** Memoizes a client's loading; a failed load is tried again by the next read. */
function onFirstUse<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () =>
    (loading ??= load().catch((err: unknown) => {
      loading = undefined;
      throw err;
    }));
}

const secretsManager = onFirstUse(async () => {
  const sm = await import('@aws-sdk/client-secrets-manager');
  return { sm, client: new sm.SecretsManagerClient({ maxAttempts: 2 }) };
});

const ssm = onFirstUse(async () => {
  const mod = await import('@aws-sdk/client-ssm');
  return { mod, client: new mod.SSMClient({ maxAttempts: 2 }) };
});

const kms = onFirstUse(async () => {
  const mod = await import('@aws-sdk/client-kms');
  return { mod, client: new mod.KMSClient({ maxAttempts: 2 }) };
});

const callOptions = (): { abortSignal: AbortSignal } => ({ abortSignal: AbortSignal.timeout(CALL_TIMEOUT_MS) });

/** The readers a deployed function uses: the AWS SDK, with the standard per-service endpoint variables. */
export const awsReaders: StoredValueReaders = {
  async readSecret(arn) {
    const { sm, client } = await secretsManager();
    const out = await client.send(new sm.GetSecretValueCommand({ SecretId: arn }), callOptions());
    if (out.SecretString === undefined) throw new Error('secret has no string value');
    return out.SecretString;
  },
  async readParameter(name) {
    const { mod, client } = await ssm();
    const out = await client.send(new mod.GetParameterCommand({ Name: name, WithDecryption: true }), callOptions());
    if (out.Parameter?.Value === undefined) throw new Error('parameter has no value');
    return out.Parameter.Value;
  },
  async decrypt(ciphertext, context) {
    const { mod, client } = await kms();
    const input = { CiphertextBlob: Buffer.from(ciphertext, 'base64'), ...(context ? { EncryptionContext: context } : {}) };
    const out = await client.send(new mod.DecryptCommand(input), callOptions());
    if (out.Plaintext === undefined) throw new Error('decryption returned no plaintext');
    return Buffer.from(out.Plaintext).toString('utf8');
  },
};
