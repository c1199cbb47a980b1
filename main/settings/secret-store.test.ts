import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createEncryptedFileSecretStore, createEnvSecretStore, type Encryptor } from './secret-store.ts';

const dirs: string[] = [];
function secretsFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hey-ops-secrets-'));
  dirs.push(dir);
  return join(dir, 'nested', 'secrets.json');
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Reverses the bytes: enough to prove the file never holds the plain text. */
function fakeEncryptor(available = true): Encryptor {
  return {
    isEncryptionAvailable: () => available,
    encryptString: (text) => Buffer.from(text, 'utf8').reverse(),
    decryptString: (data) => Buffer.from(data).reverse().toString('utf8'),
  };
}

describe('createEnvSecretStore', () => {
  it('reads a secret from its environment variable and treats an empty one as absent', async () => {
    expect(await createEnvSecretStore({ OPENAI_API_KEY: 'sk-env' }).get('llmApiKey')).toBe('sk-env');
    expect(await createEnvSecretStore({ OPENAI_API_KEY: '' }).get('llmApiKey')).toBeNull();
    expect(await createEnvSecretStore({}, { llmApiKey: 'MY_KEY' }).get('llmApiKey')).toBeNull();
  });

  it('refuses to store a secret and names the variable to set instead', async () => {
    await expect(createEnvSecretStore({}).set('llmApiKey', 'sk')).rejects.toThrow(
      'headless mode reads secrets from the environment: set OPENAI_API_KEY instead',
    );
  });
});

describe('createEncryptedFileSecretStore', () => {
  it('stores the secret encrypted in a 0600 file and reads it back', async () => {
    const file = secretsFile();
    const store = createEncryptedFileSecretStore(file, fakeEncryptor());
    expect(await store.get('llmApiKey')).toBeNull();
    await store.set('llmApiKey', 'sk-very-secret');

    expect(readFileSync(file, 'utf8')).not.toContain('sk-very-secret');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(await createEncryptedFileSecretStore(file, fakeEncryptor()).get('llmApiKey')).toBe('sk-very-secret');

    await store.delete('llmApiKey');
    expect(await store.get('llmApiKey')).toBeNull();
  });

  it('refuses to store anything when the OS key store is unavailable instead of writing plain text', async () => {
    const file = secretsFile();
    await expect(createEncryptedFileSecretStore(file, fakeEncryptor(false)).set('llmApiKey', 'sk')).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
    expect(() => statSync(file)).toThrow(/ENOENT/);
  });

  it('refuses a file that is not a secrets file with CONFIG_INVALID', async () => {
    const file = secretsFile();
    await createEncryptedFileSecretStore(file, fakeEncryptor()).set('llmApiKey', 'sk');
    writeFileSync(file, JSON.stringify({ llmApiKey: 'not base64!' }));
    await expect(createEncryptedFileSecretStore(file, fakeEncryptor()).get('llmApiKey')).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });
});
