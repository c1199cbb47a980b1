import { describe, expect, it } from 'vitest';
import type { IpcMainInvokeEvent } from 'electron';
import { HeyOpsError } from '../../common/errors.ts';
import { IPC, IPC_EVENTS, type Actor, type CoreStatus, type HeyOpsService } from '../../common/ipc.ts';
import type { KillSwitchEvent, OperationReport } from '../../common/messages.ts';
import { createHeyOpsApi, type IpcRendererLike } from '../../preload/heyops-api.ts';
import {
  coreHandlers,
  forwardCoreEvents,
  isRendererUrl,
  isTrustedSender,
  registerIpcHandlers,
  type CoreEvents,
  type IpcMainLike,
} from './ipc.ts';

const NOW = '2025-01-01T10:00:00.000Z';
const RENDERER_URL = 'file:///opt/hey-ops/out/renderer/index.html';

function report(overrides: Partial<OperationReport> = {}): OperationReport {
  return {
    operationId: 'op-1',
    correlationId: 'corr-1',
    kind: 'status',
    target: { service: 'api', environment: 'staging' },
    status: 'succeeded',
    headline: 'api in staging is serving revision api-00042.',
    text: 'api in staging is serving revision api-00042.\nTraffic: 100%',
    dryRun: false,
    risk: 'LOW',
    approvalId: null,
    question: null,
    steps: [],
    findings: {},
    durationMs: 12,
    costUsd: 0,
    error: null,
    createdAt: NOW,
    ...overrides,
  };
}

const STATUS: CoreStatus = {
  killSwitch: { engaged: false, by: null, at: null, reason: null },
  inFlight: 0,
  maxInFlight: 3,
  deployBudget: { used: 1, limit: 10, nextReturnsAt: null },
  rollbackBudget: { used: 0, limit: 5, nextReturnsAt: null },
  pendingApprovals: [],
  running: [],
  sandbox: true,
};

/** A service that records what it was asked and who asked. */
function fakeService(): HeyOpsService & { calls: Array<{ method: string; request: unknown; actor: Actor | null }> } {
  const calls: Array<{ method: string; request: unknown; actor: Actor | null }> = [];
  const kill = (engaged: boolean, actor: Actor): KillSwitchEvent => ({ engaged, by: actor.user, channel: actor.channel, reason: null, at: NOW });
  return {
    calls,
    async runCommand(request, actor) {
      calls.push({ method: 'runCommand', request, actor });
      return report({ headline: `ran: ${request.text}` });
    },
    async approve(request, actor) {
      calls.push({ method: 'approve', request, actor });
      throw new HeyOpsError('APPROVAL_EXPIRED', `approval ${request.approvalId} expired at 10:10`);
    },
    async deny(request, actor) {
      calls.push({ method: 'deny', request, actor });
      return report({ status: 'denied' });
    },
    async engageKillSwitch(request, actor) {
      calls.push({ method: 'engageKillSwitch', request, actor });
      return kill(true, actor);
    },
    async releaseKillSwitch(request, actor) {
      calls.push({ method: 'releaseKillSwitch', request, actor });
      return kill(false, actor);
    },
    async getStatus() {
      calls.push({ method: 'getStatus', request: null, actor: null });
      return STATUS;
    },
    async getHistory(request) {
      calls.push({ method: 'getHistory', request, actor: null });
      return [];
    },
  };
}

type Listener = (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown;

/** ipcMain and one window's ipcRenderer joined in memory, as Electron joins them. */
function linkedIpc(sender: { id: number; url: string | null }) {
  const handlers = new Map<string, Listener>();
  const ipcMain: IpcMainLike = {
    handle: (channel, listener) => void handlers.set(channel, listener),
    removeHandler: (channel) => void handlers.delete(channel),
  };
  const rendererListeners = new Map<string, Set<(event: unknown, ...args: unknown[]) => void>>();
  const ipcRenderer: IpcRendererLike = {
    async invoke(channel, ...args) {
      const handler = handlers.get(channel);
      if (handler === undefined) throw new Error(`No handler registered for '${channel}'`);
      const event = { sender: { id: sender.id }, senderFrame: sender.url === null ? null : { url: sender.url } } as unknown as IpcMainInvokeEvent;
      // Electron copies values with structured clone in both directions.
      return structuredClone(await handler(event, ...structuredClone(args)));
    },
    on(channel, listener) {
      const set = rendererListeners.get(channel) ?? new Set();
      set.add(listener);
      rendererListeners.set(channel, set);
    },
    removeListener(channel, listener) {
      rendererListeners.get(channel)?.delete(listener);
    },
  };
  const send = (channel: string, payload: unknown): void => {
    for (const listener of rendererListeners.get(channel) ?? []) listener({ sender: 'ipcRenderer' }, structuredClone(payload));
  };
  return { ipcMain, ipcRenderer, handlers, send };
}

function setUp(sender: { id: number; url: string | null } = { id: 7, url: RENDERER_URL }) {
  const service = fakeService();
  const link = linkedIpc(sender);
  const refused: string[] = [];
  const dispose = registerIpcHandlers({
    ipcMain: link.ipcMain,
    handlers: coreHandlers(service, () => ({ user: 'alice', channel: 'window' })),
    isTrustedSender: (info) => isTrustedSender(info, { webContentsIds: new Set([7]), rendererUrl: RENDERER_URL }),
    onRefused: (channel, reason) => refused.push(`${channel}: ${reason}`),
  });
  return { service, link, refused, dispose, api: createHeyOpsApi(link.ipcRenderer) };
}

describe('isRendererUrl', () => {
  it('accepts the built page with a hash or query and refuses any other file', () => {
    expect(isRendererUrl(RENDERER_URL, RENDERER_URL)).toBe(true);
    expect(isRendererUrl(`${RENDERER_URL}#/approvals?x=1`, RENDERER_URL)).toBe(true);
    expect(isRendererUrl('file:///opt/hey-ops/out/renderer/../../../../etc/passwd', RENDERER_URL)).toBe(false);
    expect(isRendererUrl('file:///tmp/index.html', RENDERER_URL)).toBe(false);
    expect(isRendererUrl('https://evil.example/index.html', RENDERER_URL)).toBe(false);
    expect(isRendererUrl('not a url', RENDERER_URL)).toBe(false);
  });

  it('accepts any page of the dev server origin and nothing else', () => {
    expect(isRendererUrl('http://localhost:5173/index.html', 'http://localhost:5173')).toBe(true);
    expect(isRendererUrl('http://localhost:5174/', 'http://localhost:5173')).toBe(false);
    expect(isRendererUrl('file:///opt/hey-ops/out/renderer/index.html', 'http://localhost:5173')).toBe(false);
  });
});

describe('registerIpcHandlers with the preload API', () => {
  it('registers one handler per IPC channel, all with the heyops: prefix, and removes them on dispose', () => {
    const { link, dispose } = setUp();
    expect([...link.handlers.keys()].sort()).toEqual(Object.values(IPC).map((entry) => entry.channel).sort());
    dispose();
    expect(link.handlers.size).toBe(0);
  });

  it('runs a command with the defaults filled in, as the window user, and returns the parsed report', async () => {
    const { api, service } = setUp();
    const result = await api.runCommand({ text: '  status of api in staging ', dryRun: true });
    expect(result.headline).toBe('ran: status of api in staging');
    expect(service.calls).toEqual([
      { method: 'runCommand', request: { text: 'status of api in staging', dryRun: true, wait: true, confirmed: false }, actor: { user: 'alice', channel: 'window' } },
    ]);
  });

  it('lets a verb whose argument is all defaults be called with none', async () => {
    const { api, service } = setUp();
    expect((await api.getStatus()).maxInFlight).toBe(3);
    const event = await api.engageKillSwitch();
    expect(event).toMatchObject({ engaged: true, by: 'alice', channel: 'window' });
    expect(service.calls.at(-1)).toMatchObject({ method: 'engageKillSwitch', request: { reason: null } });
  });

  it('refuses an invalid argument with a message naming the field, without calling the core', async () => {
    const { api, service } = setUp();
    await expect(api.runCommand({ text: '   ' })).rejects.toThrow('text: say or type a command');
    await expect(api.runCommand({ text: 'deploy', sudo: true } as never)).rejects.toThrow(/Unrecognized key.*sudo/);
    expect(service.calls).toEqual([]);
  });

  it('turns an error of the core into a rejection that keeps its code and message', async () => {
    const { api } = setUp();
    await expect(api.approve({ approvalId: 'ap-1' })).rejects.toMatchObject({
      name: 'HeyOpsIpcError',
      code: 'APPROVAL_EXPIRED',
      message: 'approval ap-1 expired at 10:10',
    });
  });

  it('refuses a sender that is not one of our windows', async () => {
    const { api, service, refused } = setUp({ id: 99, url: RENDERER_URL });
    await expect(api.engageKillSwitch()).rejects.toMatchObject({ code: 'INVALID_MESSAGE', message: 'refused: the sender is not a Hey Ops window' });
    expect(service.calls).toEqual([]);
    expect(refused).toEqual(['heyops:engage-kill-switch: sender is not a Hey Ops window']);
  });

  it('refuses our window when its frame shows another page or is gone', async () => {
    await expect(setUp({ id: 7, url: 'https://evil.example/' }).api.getStatus()).rejects.toMatchObject({ code: 'INVALID_MESSAGE' });
    await expect(setUp({ id: 7, url: null }).api.getStatus()).rejects.toMatchObject({ code: 'INVALID_MESSAGE' });
  });

  it('refuses to pass on a core answer that breaks the result schema', async () => {
    const broken = linkedIpc({ id: 7, url: RENDERER_URL });
    const refused: string[] = [];
    registerIpcHandlers({
      ipcMain: broken.ipcMain,
      handlers: { ...coreHandlers(fakeService(), () => ({ user: 'alice', channel: 'window' })), getStatus: async () => ({ ...STATUS, inFlight: -1 }) },
      isTrustedSender: () => true,
      onRefused: (channel, reason) => refused.push(`${channel}: ${reason}`),
    });
    await expect(createHeyOpsApi(broken.ipcRenderer).getStatus()).rejects.toMatchObject({
      code: 'INTERNAL',
      message: "the core's answer on heyops:get-status failed its schema",
    });
    expect(refused).toEqual([expect.stringMatching(/^heyops:get-status: result failed its schema: inFlight: /)]);
  });
});

describe('forwardCoreEvents with the preload API', () => {
  function fakeCoreEvents() {
    const listeners = new Map<string, Set<(payload: unknown) => void>>();
    const subscribe = (name: string) => (listener: (payload: never) => void) => {
      const set = listeners.get(name) ?? new Set();
      const wrapped = listener as (payload: unknown) => void;
      set.add(wrapped);
      listeners.set(name, set);
      return () => void set.delete(wrapped);
    };
    const events: CoreEvents = {
      onDidReport: subscribe('onDidReport'),
      onDidRequestApproval: subscribe('onDidRequestApproval'),
      onDidChangeKillSwitch: subscribe('onDidChangeKillSwitch'),
    };
    const emit = (name: string, payload: unknown): void => {
      for (const listener of listeners.get(name) ?? []) listener(payload);
    };
    return { events, emit, listeners };
  }

  it('delivers each core event on its channel to onDidX listeners until they unsubscribe', () => {
    const link = linkedIpc({ id: 7, url: RENDERER_URL });
    const core = fakeCoreEvents();
    const stop = forwardCoreEvents(core.events, link.send);
    const api = createHeyOpsApi(link.ipcRenderer);

    const headlines: string[] = [];
    const kills: boolean[] = [];
    const unsubscribe = api.onDidReport((r) => headlines.push(r.headline));
    api.onDidChangeKillSwitch((e) => kills.push(e.engaged));

    core.emit('onDidReport', report({ headline: 'first' }));
    core.emit('onDidChangeKillSwitch', { engaged: true, by: 'alice', channel: 'hotkey', reason: null, at: NOW });
    unsubscribe();
    core.emit('onDidReport', report({ headline: 'second' }));

    expect(headlines).toEqual(['first']);
    expect(kills).toEqual([true]);
    stop();
    expect([...core.listeners.values()].every((set) => set.size === 0)).toBe(true);
  });

  it('drops an event whose payload breaks its schema instead of sending it', () => {
    const sent: string[] = [];
    const core = fakeCoreEvents();
    forwardCoreEvents(core.events, (channel) => sent.push(channel));
    core.emit('onDidReport', { headline: 'no other fields' });
    core.emit('onDidReport', report());
    expect(sent).toEqual([IPC_EVENTS.onDidReport.channel]);
  });

  it('never hands the IPC event (whose sender is ipcRenderer) to the page', () => {
    const link = linkedIpc({ id: 7, url: RENDERER_URL });
    const core = fakeCoreEvents();
    forwardCoreEvents(core.events, link.send);
    const received: unknown[][] = [];
    createHeyOpsApi(link.ipcRenderer).onDidReport((...args: unknown[]) => received.push(args));
    core.emit('onDidReport', report());
    expect(received).toHaveLength(1);
    expect(received[0]).toHaveLength(1);
    expect(received[0]?.[0]).toMatchObject({ operationId: 'op-1' });
  });
});
