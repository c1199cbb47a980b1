/**
 * What the tray shows, as data: the menu template and tooltip for a given core status. Pure
 * (types only from electron) so it is tested under plain Node; tray.ts turns it into a Menu.
 */
import type { MenuItemConstructorOptions } from 'electron';
import type { CoreStatus, RunCommandRequest } from '../../common/ipc.ts';
import type { Settings } from '../settings/settings-store.ts';

/** The tray's one-click commands. Each is an ordinary command, checked like any other. */
export const QUICK_ACTIONS: ReadonlyArray<{ readonly label: string; readonly request: RunCommandRequest }> = [
  { label: 'Status of all services', request: { text: 'status of all services' } },
  { label: 'Deploy api to staging (dry run)', request: { text: 'deploy api to staging', dryRun: true } },
];

export interface TrayMenuState {
  /** Null until the core has answered once (or while it cannot be reached). */
  readonly status: CoreStatus | null;
  readonly settings: Settings;
  /** False when another program holds the kill-switch hotkey. */
  readonly hotkeyRegistered: boolean;
  readonly now: Date;
}

export interface TrayMenuActions {
  runQuickAction(request: RunCommandRequest): void;
  engageKillSwitch(): void;
  /** The shell asks for confirmation before releasing. */
  releaseKillSwitch(): void;
  /** Opens the window (where pending approvals are decided). */
  openWindow(): void;
  setSetting(key: 'speakReplies' | 'startMinimised', value: boolean): void;
  editPreferences(): void;
  quit(): void;
}

/** "in 4m", "in 40s", "expired": how long an approval stays open. */
export function expiresIn(expiresAt: string, now: Date): string {
  const ms = Date.parse(expiresAt) - now.getTime();
  if (!Number.isFinite(ms) || ms <= 0) return 'expired';
  if (ms < 60_000) return `in ${Math.ceil(ms / 1000)}s`;
  return `in ${Math.ceil(ms / 60_000)}m`;
}

/** One line for the top of the menu and the tooltip. */
export function statusLine(status: CoreStatus | null): string {
  if (status === null) return 'Hey Ops — starting…';
  if (status.killSwitch.engaged) return `KILL SWITCH ENGAGED${status.killSwitch.by === null ? '' : ` by ${status.killSwitch.by}`}`;
  const parts = [
    `${status.inFlight}/${status.maxInFlight} in flight`,
    `deploys ${status.deployBudget.used}/${status.deployBudget.limit}`,
    `rollbacks ${status.rollbackBudget.used}/${status.rollbackBudget.limit}`,
  ];
  if (status.sandbox) parts.push('sandbox');
  return `Hey Ops — ${parts.join(' · ')}`;
}

export function trayTooltip(status: CoreStatus | null): string {
  const pending = status?.pendingApprovals.length ?? 0;
  return pending === 0 ? statusLine(status) : `${statusLine(status)} · ${pending} approval${pending === 1 ? '' : 's'} pending`;
}

export function buildTrayMenu(state: TrayMenuState, actions: TrayMenuActions): MenuItemConstructorOptions[] {
  const { status, settings } = state;
  const engaged = status?.killSwitch.engaged ?? false;
  const pending = status?.pendingApprovals ?? [];

  const approvals: MenuItemConstructorOptions =
    pending.length === 0
      ? { label: 'No approvals pending', enabled: false }
      : {
          label: `Approvals pending (${pending.length})`,
          submenu: pending.map((approval) => ({
            label: `${approval.summary} · ${approval.risk} · expires ${expiresIn(approval.expiresAt, state.now)}`,
            toolTip: 'Opens the window, where the plan is shown with Approve and Deny',
            click: () => actions.openWindow(),
          })),
        };

  return [
    { label: statusLine(status), enabled: false },
    ...(state.hotkeyRegistered ? [] : [{ label: `Hotkey ${settings.killSwitchAccelerator} unavailable (in use elsewhere)`, enabled: false }]),
    { type: 'separator' },
    ...QUICK_ACTIONS.map((action): MenuItemConstructorOptions => ({
      label: action.label,
      enabled: status !== null,
      click: () => actions.runQuickAction(action.request),
    })),
    { type: 'separator' },
    approvals,
    { type: 'separator' },
    {
      label: 'Kill switch',
      accelerator: state.hotkeyRegistered ? settings.killSwitchAccelerator : undefined,
      enabled: status !== null && !engaged,
      click: () => actions.engageKillSwitch(),
    },
    { label: 'Release kill switch…', enabled: engaged, click: () => actions.releaseKillSwitch() },
    { type: 'separator' },
    { label: 'Open window', click: () => actions.openWindow() },
    {
      label: 'Preferences',
      submenu: [
        { label: 'Speak replies', type: 'checkbox', checked: settings.speakReplies, click: () => actions.setSetting('speakReplies', !settings.speakReplies) },
        { label: 'Start minimised', type: 'checkbox', checked: settings.startMinimised, click: () => actions.setSetting('startMinimised', !settings.startMinimised) },
        { label: 'Edit preferences file…', click: () => actions.editPreferences() },
      ],
    },
    { type: 'separator' },
    { label: 'Quit Hey Ops', click: () => actions.quit() },
  ];
}
