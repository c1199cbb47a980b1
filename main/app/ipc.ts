/**
 * Main's side of the IPC contract (common/ipc.ts): every request channel goes through one
 * `handle()` that (1) refuses senders that are not one of our windows showing our page,
 * (2) parses the argument with the channel's `args` schema, (3) calls the core and parses its
 * answer with the channel's `result` schema, and (4) answers `IpcOutcome` data, never a thrown
 * error. Events from the core go to our windows only, parsed with `IPC_EVENTS`.
 *
 * `ipcMain` and the windows are injected (types only from electron), so this runs under plain
 * Node in tests and in the browser test of the renderer.
 */
import type { IpcMainInvokeEvent } from 'electron';
import type { z } from 'zod';
import { describeZodIssues, toErrorData } from '../../common/errors.ts';
import { IPC, IPC_EVENTS, type Actor, type HeyOpsService, type IpcEventName, type IpcName } from '../../common/ipc.ts';
import type { IpcOutcome } from '../../preload/ipc-outcome.ts';

/** Who sent an invoke: the webContents id and the URL of the frame that sent it. */
export interface SenderInfo {
  readonly webContentsId: number;
  /** Null when the frame is gone or navigated away while the message was in flight. */
  readonly frameUrl: string | null;
}

/** The part of Electron's `ipcMain` used here. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown): void;
  removeHandler(channel: string): void;
}

export function senderInfoOf(event: Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>): SenderInfo {
  return { webContentsId: event.sender.id, frameUrl: event.senderFrame?.url ?? null };
}

/**
 * Whether `frameUrl` is our page: the exact file of the built renderer (any hash or query),
 * or, in development, any page of the dev server's origin.
 */
export function isRendererUrl(frameUrl: string, rendererUrl: string): boolean {
  let frame: URL;
  let ours: URL;
  try {
    frame = new URL(frameUrl);
    ours = new URL(rendererUrl);
  } catch {
    return false;
  }
  if (ours.protocol === 'file:') return frame.protocol === 'file:' && frame.pathname === ours.pathname && frame.host === ours.host;
  return frame.origin === ours.origin;
}

export function isTrustedSender(sender: SenderInfo, trusted: { webContentsIds: ReadonlySet<number>; rendererUrl: string }): boolean {
  return trusted.webContentsIds.has(sender.webContentsId) && sender.frameUrl !== null && isRendererUrl(sender.frameUrl, trusted.rendererUrl);
}

type Contract = typeof IPC;
/** How each channel is served: the parsed argument in, something the result schema accepts out. */
export type IpcHandlers = {
  readonly [N in IpcName]: (request: z.output<Contract[N]['args']>) => Promise<z.input<Contract[N]['result']>>;
};

/** Every request channel served by the core, acting as `actor()` (the window's user). */
export function coreHandlers(service: HeyOpsService, actor: () => Actor): IpcHandlers {
  return {
    runCommand: (request) => service.runCommand(request, actor()),
    approve: (request) => service.approve(request, actor()),
    deny: (request) => service.deny(request, actor()),
    engageKillSwitch: (request) => service.engageKillSwitch(request, actor()),
    releaseKillSwitch: (request) => service.releaseKillSwitch(request, actor()),
    getStatus: () => service.getStatus(),
    getHistory: (request) => service.getHistory(request),
  };
}

export interface RegisterIpcOptions {
  readonly ipcMain: IpcMainLike;
  readonly handlers: IpcHandlers;
  readonly isTrustedSender: (sender: SenderInfo) => boolean;
  /** Told about refused senders and failed calls (for the log); optional. */
  readonly onRefused?: (channel: string, reason: string) => void;
}

/** Registers every channel of `IPC`; the returned function removes them again. */
export function registerIpcHandlers(options: RegisterIpcOptions): () => void {
  const { ipcMain, handlers, isTrustedSender: trusted, onRefused } = options;

  function handle<N extends IpcName>(name: N): void {
    const { channel, args, result } = IPC[name];
    const run = handlers[name] as (request: unknown) => Promise<unknown>;
    ipcMain.handle(channel, async (event, ...rest): Promise<IpcOutcome> => {
      if (!trusted(senderInfoOf(event))) {
        onRefused?.(channel, 'sender is not a Hey Ops window');
        return { ok: false, error: { code: 'INVALID_MESSAGE', message: 'refused: the sender is not a Hey Ops window' } };
      }
      const request = args.safeParse(rest[0] ?? {});
      if (!request.success || rest.length > 1) {
        const why = request.success ? 'expected one argument' : describeZodIssues(request.error.issues);
        return { ok: false, error: { code: 'INVALID_INPUT', message: why } };
      }
      try {
        const value = result.safeParse(await run(request.data));
        if (value.success) return { ok: true, value: value.data };
        onRefused?.(channel, `result failed its schema: ${describeZodIssues(value.error.issues)}`);
        return { ok: false, error: { code: 'INTERNAL', message: `the core's answer on ${channel} failed its schema` } };
      } catch (error) {
        return { ok: false, error: toErrorData(error) };
      }
    });
  }

  const names = Object.keys(IPC) as IpcName[];
  for (const name of names) handle(name);
  return () => {
    for (const name of names) ipcMain.removeHandler(IPC[name].channel);
  };
}

type EventContract = typeof IPC_EVENTS;
/** The core's events, as `HeyOpsCore` offers them: one `onDidX` per `IPC_EVENTS` entry. */
export type CoreEvents = {
  readonly [E in IpcEventName]: (listener: (payload: z.output<EventContract[E]['payload']>) => void) => () => void;
};

/**
 * Forwards each of the core's events to `send` (which delivers to our windows only) on its
 * `IPC_EVENTS` channel, after parsing it with the event's payload schema.
 */
export function forwardCoreEvents(core: CoreEvents, send: (channel: string, payload: unknown) => void): () => void {
  const unsubscribers = (Object.keys(IPC_EVENTS) as IpcEventName[]).map((name) => {
    const { channel, payload: schema } = IPC_EVENTS[name];
    return core[name]((payload: unknown) => {
      const parsed = schema.safeParse(payload);
      if (parsed.success) send(channel, parsed.data);
    });
  });
  return () => {
    for (const unsubscribe of unsubscribers) unsubscribe();
  };
}
