/**
 * The app's non-secret preferences (kill-switch hotkey, speak replies, start minimised) behind
 * one small interface, so the same code runs with `electron-store` in the app and `conf` (the
 * library electron-store is built on) in headless mode and in tests.
 *
 * Secrets never live here: see secret-store.ts.
 */
import Conf from 'conf';
import { z } from 'zod';
import { describeZodIssues, HeyOpsError } from '../../common/errors.ts';

/** Hard to press by accident, free on every desktop we know of. */
export const DEFAULT_KILL_SWITCH_ACCELERATOR = 'CommandOrControl+Alt+Shift+K';

const MODIFIERS = new Set(
  ['Command', 'Cmd', 'Control', 'Ctrl', 'CommandOrControl', 'CmdOrCtrl', 'Alt', 'Option', 'AltGr', 'Shift', 'Super', 'Meta'].map((m) =>
    m.toLowerCase(),
  ),
);
const NAMED_KEYS = new Set(
  [
    'Plus', 'Space', 'Tab', 'Capslock', 'Numlock', 'Scrolllock', 'Backspace', 'Delete', 'Insert', 'Return', 'Enter',
    'Up', 'Down', 'Left', 'Right', 'Home', 'End', 'PageUp', 'PageDown', 'Escape', 'Esc', 'PrintScreen',
    'VolumeUp', 'VolumeDown', 'VolumeMute', 'MediaNextTrack', 'MediaPreviousTrack', 'MediaStop', 'MediaPlayPause',
    'numdec', 'numadd', 'numsub', 'nummult', 'numdiv',
  ].map((k) => k.toLowerCase()),
);

/**
 * Whether `text` is an Electron accelerator ("CommandOrControl+Alt+Shift+K") fit for a global
 * kill switch: one or more modifiers and exactly one key. A bare key is refused because a
 * global shortcut without a modifier would fire while the user types.
 */
export function isValidAccelerator(text: string): boolean {
  const parts = text.split('+');
  // "Ctrl+Plus" names the plus key; a literal "+" as the key shows up as an empty last part.
  if (parts.some((part) => part.trim() === '')) return false;
  const key = parts.at(-1)!;
  const modifiers = parts.slice(0, -1);
  if (modifiers.length === 0) return false;
  if (!modifiers.every((m) => MODIFIERS.has(m.toLowerCase()))) return false;
  if (new Set(modifiers.map((m) => m.toLowerCase())).size !== modifiers.length) return false;
  return isAcceleratorKey(key);
}

function isAcceleratorKey(key: string): boolean {
  if (/^[A-Za-z0-9]$/.test(key)) return true;
  if (/^F([1-9]|1[0-9]|2[0-4])$/.test(key)) return true;
  if (/^num[0-9]$/.test(key)) return true;
  if (/^[)!@#$%^&*(:;<=>?_~{}|"'`,./\\[\]-]$/.test(key)) return true;
  return NAMED_KEYS.has(key.toLowerCase());
}

export const AcceleratorSchema = z
  .string()
  .trim()
  .refine(isValidAccelerator, 'must be modifiers and one key joined by "+", e.g. "CommandOrControl+Alt+Shift+K"');

/** The preferences as stored. Each field has a default, so an old or new file still loads. */
export const SettingsSchema = z.object({
  killSwitchAccelerator: AcceleratorSchema.default(DEFAULT_KILL_SWITCH_ACCELERATOR),
  speakReplies: z.boolean().default(false),
  startMinimised: z.boolean().default(true),
});
export type Settings = z.infer<typeof SettingsSchema>;

export const DEFAULT_SETTINGS: Settings = SettingsSchema.parse({});

/** A change the user asked for: unknown keys and invalid values are refused, not dropped. */
export const SettingsPatchSchema = z
  .object({
    killSwitchAccelerator: AcceleratorSchema,
    speakReplies: z.boolean(),
    startMinimised: z.boolean(),
  })
  .partial()
  .strict();
export type SettingsPatch = z.input<typeof SettingsPatchSchema>;

/** Preferences of one user on one machine. Synchronous: both backends are small JSON files. */
export interface SettingsStore {
  /** The current preferences; a field that is missing or invalid on disk reads as its default. */
  get(): Settings;
  /** Validates and saves a change, returning the new preferences. Throws INVALID_INPUT. */
  update(patch: SettingsPatch): Settings;
  /** Called after every change, including one made by another process to the same file. */
  onDidChange(listener: (settings: Settings) => void): () => void;
}

/** What `conf` and `electron-store` have in common; the only part the settings need. */
export interface SettingsBackend {
  get store(): Record<string, unknown>;
  set store(value: Record<string, unknown>);
  onDidAnyChange(callback: () => void): () => void;
}

/** Reads each field on its own, so one bad value (hand-edited file) does not reset the others. */
export function readSettings(raw: Record<string, unknown>): Settings {
  const fields = SettingsSchema.shape;
  return {
    killSwitchAccelerator: fields.killSwitchAccelerator.catch(DEFAULT_SETTINGS.killSwitchAccelerator).parse(raw['killSwitchAccelerator']),
    speakReplies: fields.speakReplies.catch(DEFAULT_SETTINGS.speakReplies).parse(raw['speakReplies']),
    startMinimised: fields.startMinimised.catch(DEFAULT_SETTINGS.startMinimised).parse(raw['startMinimised']),
  };
}

export function createSettingsStore(backend: SettingsBackend): SettingsStore {
  return {
    get: () => readSettings(backend.store),
    update(patch) {
      const parsed = SettingsPatchSchema.safeParse(patch);
      if (!parsed.success) throw new HeyOpsError('INVALID_INPUT', `invalid settings: ${describeZodIssues(parsed.error.issues)}`);
      const next = { ...readSettings(backend.store), ...parsed.data };
      backend.store = next;
      return next;
    },
    onDidChange(listener) {
      return backend.onDidAnyChange(() => listener(readSettings(backend.store)));
    },
  };
}

/**
 * Settings in `<dir>/settings.json`, for headless mode (`hey-ops serve`) and tests. `watch`
 * also reports changes other processes make to the file (the watcher never keeps Node alive).
 */
export function createConfSettingsStore(options: { dir: string; watch?: boolean }): SettingsStore {
  const conf = new Conf<Record<string, unknown>>({ cwd: options.dir, configName: 'settings', watch: options.watch ?? false });
  return createSettingsStore(conf);
}
