/**
 * The page's only way to the core: `window.heyOps`, exposed by the preload. Its type is the
 * preload's own (`HeyOpsApi`), so a change to the IPC contract is a type error here.
 */
import type { HeyOpsApi } from '../../preload/index.ts';

declare global {
  interface Window {
    readonly heyOps: HeyOpsApi;
  }
}

export type { HeyOpsApi };

export function heyOps(): HeyOpsApi {
  return window.heyOps;
}
