/**
 * The tray icon and its menu. The menu is rebuilt from `buildTrayMenu` whenever what it shows
 * changes (not on every refresh: rebuilding an open menu closes it on some desktops).
 */
import { Menu, Tray } from 'electron';
import { buildTrayMenu, trayTooltip, type TrayMenuActions, type TrayMenuState } from './tray-menu.ts';
import type { TrayIcons } from './icons.ts';

export interface HeyOpsTray {
  update(state: TrayMenuState): void;
  destroy(): void;
}

export function createHeyOpsTray(icons: TrayIcons, actions: TrayMenuActions, initial: TrayMenuState): HeyOpsTray {
  const tray = new Tray(icons.normal);
  // macOS opens the menu on click; elsewhere a click is the quick way to the window.
  if (process.platform !== 'darwin') tray.on('click', () => actions.openWindow());
  let shown = '';
  const update = (state: TrayMenuState): void => {
    const template = buildTrayMenu(state, actions);
    const tooltip = trayTooltip(state.status);
    const engaged = state.status?.killSwitch.engaged ?? false;
    const signature = JSON.stringify({ tooltip, engaged, template });
    if (signature === shown) return;
    shown = signature;
    tray.setImage(engaged ? icons.killed : icons.normal);
    tray.setToolTip(tooltip);
    tray.setContextMenu(Menu.buildFromTemplate(template));
  };
  update(initial);
  return { update, destroy: () => tray.destroy() };
}
