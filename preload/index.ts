/**
 * The preload of the Hey Ops window (sandboxed, context-isolated): exposes `window.heyOps`
 * and nothing else. The renderer types `window.heyOps` from `HeyOpsApi`, derived here.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { createHeyOpsApi } from './heyops-api.ts';

const api = createHeyOpsApi(ipcRenderer);

contextBridge.exposeInMainWorld('heyOps', api);

export type HeyOpsApi = typeof api;
