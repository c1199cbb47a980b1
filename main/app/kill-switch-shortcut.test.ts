import { describe, expect, it } from 'vitest';
import { createKillSwitchShortcut, type GlobalShortcutLike } from './kill-switch-shortcut.ts';

/** A global shortcut table where some accelerators belong to other programs. */
function fakeGlobalShortcut(takenElsewhere: string[] = []) {
  const registered = new Map<string, () => void>();
  const shortcut: GlobalShortcutLike = {
    register(accelerator, callback) {
      if (accelerator === 'Nonsense+') throw new Error('conversion failure');
      if (takenElsewhere.includes(accelerator) || registered.has(accelerator)) return false;
      registered.set(accelerator, callback);
      return true;
    },
    unregister(accelerator) {
      registered.delete(accelerator);
    },
  };
  const press = (accelerator: string): void => registered.get(accelerator)?.();
  return { shortcut, registered, press };
}

describe('createKillSwitchShortcut', () => {
  it('engages on the registered hotkey', () => {
    const fake = fakeGlobalShortcut();
    let presses = 0;
    const killSwitch = createKillSwitchShortcut(fake.shortcut, () => presses++);
    expect(killSwitch.use('CommandOrControl+Alt+Shift+K')).toBe(true);
    fake.press('CommandOrControl+Alt+Shift+K');
    expect(presses).toBe(1);
  });

  it('moves to a new accelerator and frees the old one', () => {
    const fake = fakeGlobalShortcut();
    const killSwitch = createKillSwitchShortcut(fake.shortcut, () => {});
    killSwitch.use('CommandOrControl+Alt+Shift+K');
    expect(killSwitch.use('Alt+Shift+F9')).toBe(true);
    expect([...fake.registered.keys()]).toEqual(['Alt+Shift+F9']);
    expect(killSwitch.accelerator).toBe('Alt+Shift+F9');
  });

  it('reports false when another program holds the keys, or the accelerator is invalid', () => {
    const fake = fakeGlobalShortcut(['Alt+Shift+F9']);
    const killSwitch = createKillSwitchShortcut(fake.shortcut, () => {});
    expect(killSwitch.use('Alt+Shift+F9')).toBe(false);
    expect(killSwitch.use('Nonsense+')).toBe(false);
    expect(killSwitch.accelerator).toBeNull();
  });

  it('registers an unchanged accelerator once, and unregisters it on dispose', () => {
    const fake = fakeGlobalShortcut();
    const killSwitch = createKillSwitchShortcut(fake.shortcut, () => {});
    expect(killSwitch.use('CommandOrControl+Alt+Shift+K')).toBe(true);
    expect(killSwitch.use('CommandOrControl+Alt+Shift+K')).toBe(true);
    killSwitch.dispose();
    expect(fake.registered.size).toBe(0);
  });
});
