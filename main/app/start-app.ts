/**
 * The Electron shell's composition root: everything electron-specific is wired here and in
 * the small modules beside it; all the work is done by the core (main/core), which runs the
 * same under plain Node.
 *
 * Channels: the window acts as `window`, the tray as `tray`, the hotkey as `hotkey`, the
 * notification buttons as `notification` — the core decides what each may do.
 */
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { app, dialog, globalShortcut, ipcMain, Notification, type BrowserWindow } from 'electron';
import { toErrorData } from '../../common/errors.ts';
import type { Actor, CoreStatus, RunCommandRequest } from '../../common/ipc.ts';
import { isFinalStatus, type ApprovalRequest, type Channel } from '../../common/messages.ts';
import { createHeyOpsCore, type HeyOpsCore } from '../core/hey-ops-core.ts';
import { createLogger } from '../core/logger.ts';
import { AGENT_WORKER_FILES, SANDBOX_SERVER_SCRIPTS } from './agent-worker-files.ts';
import { createElectronSettingsStore } from './electron-settings-store.ts';
import { APP_ICON_PATH, loadTrayIcons } from './icons.ts';
import { coreHandlers, forwardCoreEvents, isTrustedSender, registerIpcHandlers } from './ipc.ts';
import { createKillSwitchShortcut } from './kill-switch-shortcut.ts';
import { createNativeNotifier } from './notifications.ts';
import { createSafeStorageSecretStore } from './secret-store.ts';
import { createSpeaker } from './speech.ts';
import { createHeyOpsTray } from './tray.ts';
import type { TrayMenuState } from './tray-menu.ts';
import { createHeyOpsWindow, denyAllPermissions } from './window.ts';

/** How often the tray looks at the shared state (the CLI may change it from another process). */
const TRAY_REFRESH_MS = 5_000;
/** How long quitting waits for the core to wind down before leaving anyway. */
const QUIT_GRACE_MS = 5_000;

export async function startApp(): Promise<void> {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  // Windows shows notifications only for apps with an id.
  app.setAppUserModelId('dev.hey-ops.app');
  await app.whenReady();
  if (process.platform === 'darwin') app.dock?.hide();
  denyAllPermissions();

  const logger = createLogger().child({ component: 'shell' });
  const user = userInfo().username;
  const actor = (channel: Channel): Actor => ({ user, channel });
  const settings = createElectronSettingsStore();
  const secrets = createSafeStorageSecretStore();
  const speaker = createSpeaker(process.platform);
  const rendererUrl = process.env.ELECTRON_RENDERER_URL ?? pathToFileURL(join(import.meta.dirname, '../renderer/index.html')).href;

  let quitting = false;
  let window: BrowserWindow | null = null;
  const liveWindows = (): BrowserWindow[] => (window !== null && !window.isDestroyed() ? [window] : []);
  const openWindow = (): void => {
    window = liveWindows()[0] ?? makeWindow(false);
    window.show();
    window.focus();
  };
  const makeWindow = (show: boolean): BrowserWindow =>
    createHeyOpsWindow({
      preloadPath: join(import.meta.dirname, '../preload/index.cjs'),
      rendererUrl,
      iconPath: APP_ICON_PATH,
      show,
      hideOnClose: () => !quitting,
    });

  const notify = (title: string, body: string, urgency: 'normal' | 'critical' = 'normal'): void => notifier.notify({ title, body, urgency });
  const reportFailure = (what: string, error: unknown): void => {
    const data = toErrorData(error);
    logger.warn({ err: data }, what);
    notify(`Hey Ops: ${what}`, data.message, 'critical');
  };

  // Approval requests by id: a notification button approves the exact plan it announced.
  const approvals = new Map<string, ApprovalRequest>();
  const decide = (approvalId: string, decision: 'approve' | 'deny'): void => {
    const request = { approvalId, planHash: approvals.get(approvalId)?.planHash ?? null, reason: null };
    const call = decision === 'approve' ? core.approve(request, actor('notification')) : core.deny(request, actor('notification'));
    call.then(
      (report) => notify('Hey Ops', report.headline),
      (error: unknown) => reportFailure(decision === 'approve' ? 'approval failed' : 'deny failed', error),
    );
  };
  const notifier = createNativeNotifier({ create: (options) => new Notification(options), platform: process.platform, openWindow, decide });

  let core: HeyOpsCore;
  try {
    core = await createHeyOpsCore({ agentWorkerFiles: AGENT_WORKER_FILES, sandboxServerScripts: SANDBOX_SERVER_SCRIPTS, notifier, llmApiKey: await secrets.get('llmApiKey').catch(() => null) });
  } catch (error) {
    dialog.showErrorBox('Hey Ops could not start', toErrorData(error).message);
    app.exit(1);
    return;
  }

  // --- The window and IPC ----------------------------------------------------------------------
  const disposeIpc = registerIpcHandlers({
    ipcMain,
    handlers: coreHandlers(core, () => actor('window')),
    isTrustedSender: (sender) => isTrustedSender(sender, { webContentsIds: new Set(liveWindows().map((w) => w.webContents.id)), rendererUrl }),
    onRefused: (channel, reason) => logger.warn({ channel, reason }, 'IPC call refused'),
  });
  const stopForwarding = forwardCoreEvents(core, (channel, payload) => {
    for (const live of liveWindows()) live.webContents.send(channel, payload);
  });
  window = makeWindow(!settings.get().startMinimised);

  // --- Kill switch: hotkey, tray ---------------------------------------------------------------
  const engageKillSwitch = (channel: Channel): void => {
    core.engageKillSwitch({ reason: `engaged from the ${channel}` }, actor(channel)).then(
      () => notify('Kill switch engaged', 'Everything in flight is being cancelled; no new changes will start. Release it from the tray or the window.', 'critical'),
      (error: unknown) => reportFailure('the kill switch failed', error),
    );
  };
  const releaseKillSwitch = async (): Promise<void> => {
    const { response } = await dialog.showMessageBox({
      type: 'warning',
      buttons: ['Keep engaged', 'Release'],
      defaultId: 0,
      cancelId: 0,
      message: 'Release the kill switch?',
      detail: 'Hey Ops will accept changes again. Operations the kill switch cancelled are not resumed.',
    });
    if (response !== 1) return;
    await core.releaseKillSwitch({ reason: null }, actor('tray')).catch((error: unknown) => reportFailure('release failed', error));
  };
  const shortcut = createKillSwitchShortcut(globalShortcut, () => engageKillSwitch('hotkey'));
  const useHotkey = (accelerator: string): boolean => {
    const registered = shortcut.use(accelerator);
    if (!registered) notify('Kill-switch hotkey unavailable', `${accelerator} is taken by another program. Use the tray or the window, or pick another hotkey in the preferences.`);
    return registered;
  };
  let hotkeyRegistered = useHotkey(settings.get().killSwitchAccelerator);

  // --- Tray ------------------------------------------------------------------------------------
  let status: CoreStatus | null = null;
  const trayState = (): TrayMenuState => ({ status, settings: settings.get(), hotkeyRegistered, now: new Date() });
  const runQuickAction = (request: RunCommandRequest): void => {
    core.runCommand(request, actor('tray')).then(
      (report) => notify('Hey Ops', report.question ?? report.headline),
      (error: unknown) => reportFailure('the command failed', error),
    );
  };
  const tray = createHeyOpsTray(
    loadTrayIcons(process.platform),
    {
      runQuickAction,
      engageKillSwitch: () => engageKillSwitch('tray'),
      releaseKillSwitch: () => void releaseKillSwitch(),
      openWindow,
      setSetting: (key, value) => void settings.update({ [key]: value }),
      editPreferences: () => void settings.openInEditor().catch((error: unknown) => reportFailure('could not open the preferences', error)),
      quit: () => app.quit(),
    },
    trayState(),
  );
  const refresh = async (): Promise<void> => {
    try {
      status = await core.getStatus();
    } catch (error) {
      logger.warn({ err: toErrorData(error) }, 'status refresh failed');
    }
    tray.update(trayState());
  };
  const timer = setInterval(() => void refresh(), TRAY_REFRESH_MS);
  void refresh();

  const unsubscribers = [
    core.onDidRequestApproval((approval) => {
      approvals.set(approval.id, approval);
      void refresh();
    }),
    core.onDidReport((report) => {
      if (report.approvalId !== null && isFinalStatus(report.status)) approvals.delete(report.approvalId);
      if (settings.get().speakReplies && isFinalStatus(report.status)) speaker.speak(report.headline);
      void refresh();
    }),
    core.onDidChangeKillSwitch(() => void refresh()),
    settings.onDidChange((next) => {
      if (next.killSwitchAccelerator !== shortcut.accelerator) hotkeyRegistered = useHotkey(next.killSwitchAccelerator);
      tray.update(trayState());
    }),
  ];

  // --- Life cycle ------------------------------------------------------------------------------
  app.on('second-instance', openWindow);
  // The app lives in the tray: closing the window is not quitting.
  app.on('window-all-closed', () => {});
  let closed = false;
  app.on('before-quit', (event) => {
    if (closed) return;
    event.preventDefault();
    if (quitting) return;
    quitting = true;
    void (async () => {
      const running = status?.inFlight ?? 0;
      if (running > 0) {
        const { response } = await dialog.showMessageBox({
          type: 'warning',
          buttons: ['Keep running', 'Quit'],
          defaultId: 0,
          cancelId: 0,
          message: `${running} operation${running === 1 ? ' is' : 's are'} running.`,
          detail: 'Quitting interrupts them; Hey Ops marks them interrupted on the next start and does not re-run them.',
        });
        if (response !== 1) {
          quitting = false;
          return;
        }
      }
      clearInterval(timer);
      for (const unsubscribe of unsubscribers) unsubscribe();
      stopForwarding();
      disposeIpc();
      shortcut.dispose();
      tray.destroy();
      await Promise.race([core.close(), new Promise((resolve) => setTimeout(resolve, QUIT_GRACE_MS))]);
      closed = true;
      app.quit();
    })();
  });
}

/** Starts the app, and quits with a message if it cannot start (the entry calls only this). */
export function runApp(): void {
  startApp().catch((error: unknown) => {
    console.error('hey-ops: the app failed to start', error);
    app.exit(1);
  });
}
