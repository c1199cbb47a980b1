/**
 * The compact Hey Ops window: sandboxed, context-isolated, no Node in the page, a strict CSP
 * (in renderer/index.html), no navigation away from our page, no new windows, no webviews.
 */
import { BrowserWindow, session } from 'electron';
import { isRendererUrl } from './ipc.ts';

export interface HeyOpsWindowOptions {
  readonly preloadPath: string;
  /** file:// URL of the built page, or the dev server's URL under `electron-vite dev`. */
  readonly rendererUrl: string;
  readonly iconPath: string;
  readonly show: boolean;
  /** Closing hides the window (the app lives in the tray) unless the app is quitting. */
  readonly hideOnClose: () => boolean;
}

export function createHeyOpsWindow(options: HeyOpsWindowOptions): BrowserWindow {
  const window = new BrowserWindow({
    width: 460,
    height: 720,
    minWidth: 380,
    minHeight: 520,
    show: false,
    title: 'Hey Ops',
    icon: options.iconPath,
    backgroundColor: '#0f172a',
    autoHideMenuBar: true,
    webPreferences: {
      preload: options.preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    },
  });
  const contents = window.webContents;
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  const stayOnOurPage = (details: { url: string; preventDefault(): void }): void => {
    if (!isRendererUrl(details.url, options.rendererUrl)) details.preventDefault();
  };
  contents.on('will-navigate', stayOnOurPage);
  contents.on('will-redirect', stayOnOurPage);
  contents.on('will-attach-webview', (event) => event.preventDefault());
  window.on('close', (event) => {
    if (options.hideOnClose()) {
      event.preventDefault();
      window.hide();
    }
  });
  if (options.show) window.once('ready-to-show', () => window.show());
  void window.loadURL(options.rendererUrl);
  return window;
}

/** The page needs no permission at all (the microphone is read by the main process). */
export function denyAllPermissions(): void {
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
}
