/**
 * The app's secrets, encrypted with the OS key store through Electron's `safeStorage` into
 * `<userData>/secrets.json`. On Linux without a keyring, safeStorage falls back to a
 * hard-coded password ("basic_text"); that is treated as unavailable, so a secret is then
 * refused (use the environment variable instead) rather than stored with no real protection.
 */
import { join } from 'node:path';
import { app, safeStorage } from 'electron';
import { createEncryptedFileSecretStore, type SecretStore } from '../settings/secret-store.ts';

export function createSafeStorageSecretStore(): SecretStore {
  return createEncryptedFileSecretStore(join(app.getPath('userData'), 'secrets.json'), {
    isEncryptionAvailable: () =>
      safeStorage.isEncryptionAvailable() && !(process.platform === 'linux' && safeStorage.getSelectedStorageBackend() === 'basic_text'),
    encryptString: (plainText) => safeStorage.encryptString(plainText),
    decryptString: (encrypted) => safeStorage.decryptString(encrypted),
  });
}
