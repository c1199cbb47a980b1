/**
 * The object the preload exposes as `window.heyOps`: one verb per `IPC` channel and one
 * `onDidX(listener) → unsubscribe` per `IPC_EVENTS` channel, built from the contract in
 * common/ipc.ts so nothing is kept in sync by hand.
 *
 * It never hands out `ipcRenderer` or an IPC event (whose `sender` is `ipcRenderer`), refuses
 * any channel without the `heyops:` prefix, and parses every result and event payload with
 * the contract's schemas before the page sees it.
 */
import type { z } from 'zod';
import { IPC, IPC_EVENTS, IPC_PREFIX, type IpcEventName, type IpcName } from '../common/ipc.ts';
import { HeyOpsIpcError, IpcOutcomeSchema } from './ipc-outcome.ts';

/** The part of Electron's `ipcRenderer` the API uses; injected so it runs (and is tested) anywhere. */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

type Contract = typeof IPC;
type EventContract = typeof IPC_EVENTS;

/** A verb whose argument may be left out when every field of it is optional. */
type Verb<N extends IpcName> = Record<never, never> extends z.input<Contract[N]['args']>
  ? (request?: z.input<Contract[N]['args']>) => Promise<z.output<Contract[N]['result']>>
  : (request: z.input<Contract[N]['args']>) => Promise<z.output<Contract[N]['result']>>;

type Subscribe<E extends IpcEventName> = (listener: (payload: z.output<EventContract[E]['payload']>) => void) => () => void;

export type HeyOpsVerbs = { readonly [N in IpcName]: Verb<N> };
export type HeyOpsEvents = { readonly [E in IpcEventName]: Subscribe<E> };

export function assertHeyOpsChannel(channel: string): void {
  if (!channel.startsWith(IPC_PREFIX)) throw new Error(`refused IPC channel "${channel}": Hey Ops channels start with "${IPC_PREFIX}"`);
}

export function createHeyOpsApi(ipc: IpcRendererLike): HeyOpsVerbs & HeyOpsEvents {
  const verb = <N extends IpcName>(name: N) => {
    const { channel, result } = IPC[name];
    assertHeyOpsChannel(channel);
    return async (request?: unknown): Promise<unknown> => {
      const outcome = IpcOutcomeSchema.parse(await ipc.invoke(channel, request ?? {}));
      if (!outcome.ok) throw new HeyOpsIpcError(outcome.error);
      return result.parse(outcome.value);
    };
  };
  const subscribe = <E extends IpcEventName>(name: E) => {
    const { channel, payload } = IPC_EVENTS[name];
    assertHeyOpsChannel(channel);
    return (listener: (value: unknown) => void): (() => void) => {
      const onMessage = (_event: unknown, value: unknown): void => {
        const parsed = payload.safeParse(value);
        // A payload that fails the contract is dropped here rather than handed to the page.
        if (parsed.success) listener(parsed.data);
      };
      ipc.on(channel, onMessage);
      return () => {
        ipc.removeListener(channel, onMessage);
      };
    };
  };
  const verbs = Object.fromEntries((Object.keys(IPC) as IpcName[]).map((name) => [name, verb(name)]));
  const events = Object.fromEntries((Object.keys(IPC_EVENTS) as IpcEventName[]).map((name) => [name, subscribe(name)]));
  // The mapped types above are what these entries are; Object.fromEntries cannot say so itself.
  return Object.freeze({ ...verbs, ...events }) as HeyOpsVerbs & HeyOpsEvents;
}
