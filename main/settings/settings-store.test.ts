import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HeyOpsError } from '../../common/errors.ts';
import {
  createConfSettingsStore,
  DEFAULT_KILL_SWITCH_ACCELERATOR,
  DEFAULT_SETTINGS,
  isValidAccelerator,
  readSettings,
} from './settings-store.ts';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hey-ops-settings-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('isValidAccelerator', () => {
  it.each([
    DEFAULT_KILL_SWITCH_ACCELERATOR,
    'CmdOrCtrl+Shift+F12',
    'Alt+Space',
    'Control+Alt+Delete',
    'Super+Plus',
    'CommandOrControl+num5',
    'Ctrl+/',
  ])('accepts %s', (accelerator) => {
    expect(isValidAccelerator(accelerator)).toBe(true);
  });

  it.each([
    ['a bare key, which would fire while typing', 'K'],
    ['modifiers with no key', 'Ctrl+Shift'],
    ['an unknown modifier', 'Hyper+K'],
    ['an unknown key', 'Ctrl+Banana'],
    ['a repeated modifier', 'Ctrl+Ctrl+K'],
    ['an empty part', 'Ctrl++K'],
    ['an empty string', ''],
  ])('refuses %s', (_why, accelerator) => {
    expect(isValidAccelerator(accelerator)).toBe(false);
  });
});

describe('readSettings', () => {
  it('gives the defaults for an empty store', () => {
    expect(readSettings({})).toEqual({ killSwitchAccelerator: DEFAULT_KILL_SWITCH_ACCELERATOR, speakReplies: false, startMinimised: true });
  });

  it('replaces only the invalid field with its default and keeps the others', () => {
    expect(readSettings({ killSwitchAccelerator: 'K', speakReplies: true, startMinimised: 'yes' })).toEqual({
      killSwitchAccelerator: DEFAULT_KILL_SWITCH_ACCELERATOR,
      speakReplies: true,
      startMinimised: true,
    });
  });
});

describe('createConfSettingsStore', () => {
  it('persists an update to settings.json and reads it back in a new store', () => {
    const dir = tempDir();
    const store = createConfSettingsStore({ dir });
    expect(store.get()).toEqual(DEFAULT_SETTINGS);

    const updated = store.update({ speakReplies: true, killSwitchAccelerator: 'Alt+Shift+F9' });
    expect(updated).toEqual({ killSwitchAccelerator: 'Alt+Shift+F9', speakReplies: true, startMinimised: true });
    expect(JSON.parse(readFileSync(join(dir, 'settings.json'), 'utf8'))).toMatchObject({ speakReplies: true });
    expect(createConfSettingsStore({ dir }).get()).toEqual(updated);
  });

  it('refuses an invalid accelerator with INVALID_INPUT naming the field, and keeps the old value', () => {
    const store = createConfSettingsStore({ dir: tempDir() });
    let caught: unknown;
    try {
      store.update({ killSwitchAccelerator: 'K' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(HeyOpsError);
    expect((caught as HeyOpsError).code).toBe('INVALID_INPUT');
    expect((caught as HeyOpsError).message).toMatch(/^invalid settings: killSwitchAccelerator: must be modifiers and one key/);
    expect(store.get().killSwitchAccelerator).toBe(DEFAULT_KILL_SWITCH_ACCELERATOR);
  });

  it('refuses an unknown setting instead of silently storing it', () => {
    const store = createConfSettingsStore({ dir: tempDir() });
    expect(() => store.update({ llmApiKey: 'sk-secret' } as never)).toThrow(/invalid settings: .*llmApiKey/);
  });

  it('tells listeners about a change and stops after unsubscribe', () => {
    const store = createConfSettingsStore({ dir: tempDir() });
    const seen: boolean[] = [];
    const unsubscribe = store.onDidChange((settings) => seen.push(settings.startMinimised));
    store.update({ startMinimised: false });
    unsubscribe();
    store.update({ startMinimised: true });
    expect(seen).toEqual([false]);
  });

  it('loads a hand-edited file with one bad value without losing the good ones', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'settings.json'), JSON.stringify({ killSwitchAccelerator: 42, speakReplies: true }));
    expect(createConfSettingsStore({ dir }).get()).toEqual({ ...DEFAULT_SETTINGS, speakReplies: true });
  });
});
