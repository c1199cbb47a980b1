/**
 * The global kill-switch hotkey. Registration can fail (another program holds the keys, or
 * the accelerator is invalid); the result says so, so the tray can tell the user instead of
 * leaving them with a kill switch that does nothing. `globalShortcut` is injected.
 */
import type { GlobalShortcut } from 'electron';

export type GlobalShortcutLike = Pick<GlobalShortcut, 'register' | 'unregister'>;

export interface KillSwitchShortcut {
  /** Registers `accelerator` in place of the current one; true when it is now active. */
  use(accelerator: string): boolean;
  readonly accelerator: string | null;
  dispose(): void;
}

export function createKillSwitchShortcut(globalShortcut: GlobalShortcutLike, onPress: () => void): KillSwitchShortcut {
  let active: string | null = null;
  const release = (): void => {
    if (active !== null) globalShortcut.unregister(active);
    active = null;
  };
  return {
    use(accelerator) {
      if (accelerator === active) return true;
      release();
      let registered: boolean;
      try {
        registered = globalShortcut.register(accelerator, onPress);
      } catch {
        // Electron throws on an accelerator it cannot parse.
        registered = false;
      }
      if (registered) active = accelerator;
      return registered;
    },
    get accelerator() {
      return active;
    },
    dispose: release,
  };
}
