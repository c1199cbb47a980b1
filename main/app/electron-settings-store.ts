/** The app's settings in electron-store (`<userData>/settings.json`), watched for hand edits. */
import Store from 'electron-store';
import { createSettingsStore, type SettingsStore } from '../settings/settings-store.ts';

export interface ElectronSettingsStore extends SettingsStore {
  /** Opens the settings file in the user's editor ("Edit preferences file…" in the tray). */
  openInEditor(): Promise<void>;
}

export function createElectronSettingsStore(): ElectronSettingsStore {
  const store = new Store<Record<string, unknown>>({ name: 'settings', watch: true });
  return { ...createSettingsStore(store), openInEditor: () => store.openInEditor() };
}
