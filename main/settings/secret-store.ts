/**
 * Secrets (the LLM API key) behind one interface. In the app they are encrypted with the OS
 * key store (Electron `safeStorage`, see main/app/secret-store.ts) into a file in userData;
 * in headless mode they come from environment variables and are never written anywhere.
 *
 * The front end reads the LLM key from its store and hands it to the core
 * (`createHeyOpsCore({ llmApiKey })`); the core itself never touches either store.
 */
import { readFileSync, renameSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { HeyOpsError } from '../../common/errors.ts';

export const SecretNameSchema = z.enum(['llmApiKey']);
export type SecretName = z.infer<typeof SecretNameSchema>;

/** The environment variable each secret is read from (the config's defaults). */
export const DEFAULT_SECRET_ENV: Readonly<Record<SecretName, string>> = { llmApiKey: 'OPENAI_API_KEY' };

export interface SecretStore {
  /** Where the secrets live, for the UI: "os-encrypted" (app) or "environment" (headless). */
  readonly kind: 'os-encrypted' | 'environment';
  get(name: SecretName): Promise<string | null>;
  /** Throws INVALID_INPUT where secrets cannot be stored (environment, no OS key store). */
  set(name: SecretName, value: string): Promise<void>;
  delete(name: SecretName): Promise<void>;
}

/** Headless mode: read-only secrets from environment variables. */
export function createEnvSecretStore(
  env: NodeJS.ProcessEnv = process.env,
  names: Readonly<Record<SecretName, string>> = DEFAULT_SECRET_ENV,
): SecretStore {
  const refuse = (name: SecretName): never => {
    throw new HeyOpsError('INVALID_INPUT', `headless mode reads secrets from the environment: set ${names[name]} instead`);
  };
  return {
    kind: 'environment',
    get: async (name) => {
      const value = env[names[name]];
      return value === undefined || value === '' ? null : value;
    },
    set: async (name) => refuse(name),
    delete: async (name) => refuse(name),
  };
}

/** The part of Electron's `safeStorage` the encrypted store uses (injected, so tests can fake it). */
export interface Encryptor {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
}

const SecretsFileSchema = z.partialRecord(SecretNameSchema, z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64'));

/**
 * Secrets encrypted one by one with `encryptor` and kept base64-encoded in a JSON file (mode
 * 0600, replaced atomically). Refuses to store anything when the encryptor is unavailable
 * rather than fall back to plain text.
 */
export function createEncryptedFileSecretStore(file: string, encryptor: Encryptor): SecretStore {
  const readAll = (): Partial<Record<SecretName, string>> => {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw error;
    }
    const parsed = SecretsFileSchema.safeParse(JSON.parse(text));
    if (!parsed.success) throw new HeyOpsError('CONFIG_INVALID', `${file} is not a Hey Ops secrets file; delete it and enter the secrets again`);
    return parsed.data;
  };
  const writeAll = (secrets: Partial<Record<SecretName, string>>): void => {
    mkdirSync(dirname(file), { recursive: true });
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
    renameSync(temporary, file);
  };
  const requireEncryption = (): void => {
    if (!encryptor.isEncryptionAvailable()) {
      throw new HeyOpsError(
        'INVALID_INPUT',
        'the OS key store is not available, so secrets cannot be stored safely; set the environment variable instead',
      );
    }
  };
  return {
    kind: 'os-encrypted',
    async get(name) {
      const stored = readAll()[name];
      if (stored === undefined) return null;
      requireEncryption();
      return encryptor.decryptString(Buffer.from(stored, 'base64'));
    },
    async set(name, value) {
      if (value === '') throw new HeyOpsError('INVALID_INPUT', 'the secret is empty');
      requireEncryption();
      writeAll({ ...readAll(), [name]: encryptor.encryptString(value).toString('base64') });
    },
    async delete(name) {
      const { [name]: _removed, ...rest } = readAll();
      writeAll(rest);
    },
  };
}
