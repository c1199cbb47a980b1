import { describe, expect, it } from 'vitest';
import type { MenuItemConstructorOptions } from 'electron';
import type { CoreStatus, RunCommandRequest } from '../../common/ipc.ts';
import { DEFAULT_SETTINGS } from '../settings/settings-store.ts';
import { buildTrayMenu, expiresIn, statusLine, trayTooltip, type TrayMenuActions, type TrayMenuState } from './tray-menu.ts';

const NOW = new Date('2025-01-01T10:00:00.000Z');

const STATUS: CoreStatus = {
  killSwitch: { engaged: false, by: null, at: null, reason: null },
  inFlight: 1,
  maxInFlight: 3,
  deployBudget: { used: 2, limit: 10, nextReturnsAt: null },
  rollbackBudget: { used: 0, limit: 5, nextReturnsAt: null },
  pendingApprovals: [],
  running: [],
  sandbox: true,
};

const APPROVAL = {
  id: '3f2a9c1b',
  operationId: 'op-9',
  planHash: 'a'.repeat(64),
  summary: 'deploy payments → production',
  risk: 'HIGH' as const,
  requestedBy: 'alice',
  requestedAt: '2025-01-01T09:58:00.000Z',
  expiresAt: '2025-01-01T10:08:00.000Z',
  status: 'pending' as const,
};

function recordingActions() {
  const calls: string[] = [];
  const actions: TrayMenuActions = {
    runQuickAction: (request: RunCommandRequest) => calls.push(`run ${request.text}${request.dryRun === true ? ' (dry run)' : ''}`),
    engageKillSwitch: () => calls.push('engage'),
    releaseKillSwitch: () => calls.push('release'),
    openWindow: () => calls.push('open'),
    setSetting: (key, value) => calls.push(`set ${key}=${value}`),
    editPreferences: () => calls.push('edit'),
    quit: () => calls.push('quit'),
  };
  return { calls, actions };
}

function state(overrides: Partial<TrayMenuState> = {}): TrayMenuState {
  return { status: STATUS, settings: DEFAULT_SETTINGS, hotkeyRegistered: true, now: NOW, ...overrides };
}

function item(menu: MenuItemConstructorOptions[], label: string | RegExp): MenuItemConstructorOptions {
  const found = menu.find((entry) => (typeof label === 'string' ? entry.label === label : label.test(entry.label ?? '')));
  if (found === undefined) throw new Error(`no menu item ${String(label)} in ${menu.map((entry) => entry.label).join(' | ')}`);
  return found;
}

function click(entry: MenuItemConstructorOptions): void {
  (entry.click as () => void)();
}

describe('statusLine', () => {
  it('shows slots, budgets and the sandbox while the kill switch is off', () => {
    expect(statusLine(STATUS)).toBe('Hey Ops — 1/3 in flight · deploys 2/10 · rollbacks 0/5 · sandbox');
  });

  it('puts the engaged kill switch first and names who engaged it', () => {
    expect(statusLine({ ...STATUS, killSwitch: { engaged: true, by: 'alice', at: NOW.toISOString(), reason: null } })).toBe('KILL SWITCH ENGAGED by alice');
  });

  it('says it is starting before the core has answered', () => {
    expect(statusLine(null)).toBe('Hey Ops — starting…');
  });

  it('adds pending approvals to the tooltip', () => {
    expect(trayTooltip({ ...STATUS, pendingApprovals: [APPROVAL] })).toMatch(/· 1 approval pending$/);
  });
});

describe('expiresIn', () => {
  it('counts minutes, then seconds, then says expired', () => {
    expect(expiresIn('2025-01-01T10:08:00.000Z', NOW)).toBe('in 8m');
    expect(expiresIn('2025-01-01T10:00:40.000Z', NOW)).toBe('in 40s');
    expect(expiresIn('2025-01-01T09:59:00.000Z', NOW)).toBe('expired');
  });
});

describe('buildTrayMenu', () => {
  it('offers the two quick actions, each as an ordinary command', () => {
    const { calls, actions } = recordingActions();
    const menu = buildTrayMenu(state(), actions);
    click(item(menu, 'Status of all services'));
    click(item(menu, 'Deploy api to staging (dry run)'));
    expect(calls).toEqual(['run status of all services', 'run deploy api to staging (dry run)']);
  });

  it('offers Kill switch (with its hotkey) but not Release while the switch is off', () => {
    const { calls, actions } = recordingActions();
    const menu = buildTrayMenu(state(), actions);
    expect(item(menu, 'Kill switch')).toMatchObject({ enabled: true, accelerator: 'CommandOrControl+Alt+Shift+K' });
    expect(item(menu, 'Release kill switch…').enabled).toBe(false);
    click(item(menu, 'Kill switch'));
    expect(calls).toEqual(['engage']);
  });

  it('offers Release but not Kill switch while the switch is engaged', () => {
    const engaged = { ...STATUS, killSwitch: { engaged: true, by: 'bob', at: NOW.toISOString(), reason: null } };
    const { calls, actions } = recordingActions();
    const menu = buildTrayMenu(state({ status: engaged }), actions);
    expect(item(menu, 'Kill switch').enabled).toBe(false);
    click(item(menu, 'Release kill switch…'));
    expect(calls).toEqual(['release']);
    expect(menu[0]?.label).toBe('KILL SWITCH ENGAGED by bob');
  });

  it('lists pending approvals with risk and expiry, each opening the window to decide', () => {
    const { calls, actions } = recordingActions();
    const menu = buildTrayMenu(state({ status: { ...STATUS, pendingApprovals: [APPROVAL] } }), actions);
    const approvals = item(menu, 'Approvals pending (1)');
    const entries = approvals.submenu as MenuItemConstructorOptions[];
    expect(entries.map((entry) => entry.label)).toEqual(['deploy payments → production · HIGH · expires in 8m']);
    click(entries[0]!);
    expect(calls).toEqual(['open']);
  });

  it('says so when the hotkey could not be registered and shows no accelerator for it', () => {
    const menu = buildTrayMenu(state({ hotkeyRegistered: false }), recordingActions().actions);
    expect(item(menu, /^Hotkey CommandOrControl\+Alt\+Shift\+K unavailable/).enabled).toBe(false);
    expect(item(menu, 'Kill switch').accelerator).toBeUndefined();
  });

  it('disables commands until the core has answered, but still opens the window and quits', () => {
    const { calls, actions } = recordingActions();
    const menu = buildTrayMenu(state({ status: null }), actions);
    expect(item(menu, 'Status of all services').enabled).toBe(false);
    expect(item(menu, 'Kill switch').enabled).toBe(false);
    click(item(menu, 'Open window'));
    click(item(menu, 'Quit Hey Ops'));
    expect(calls).toEqual(['open', 'quit']);
  });

  it('toggles preferences to the opposite of their current value', () => {
    const { calls, actions } = recordingActions();
    const preferences = item(buildTrayMenu(state(), actions), 'Preferences').submenu as MenuItemConstructorOptions[];
    click(item(preferences, 'Speak replies'));
    click(item(preferences, 'Start minimised'));
    expect(calls).toEqual(['set speakReplies=true', 'set startMinimised=false']);
  });
});
