/**
 * The core's `Notifier` as native notifications. An approval request gets Approve / Deny
 * buttons where the OS offers them (macOS — signed, with the alert style — and Windows);
 * everywhere a click opens the window, where the plan is shown in full. Electron's
 * `Notification` class is injected so this runs under plain Node in tests.
 */
import type { Notification as ElectronNotification, NotificationConstructorOptions } from 'electron';
import type { Notifier } from '../core/hey-ops-core.ts';

type NotifyArgument = Parameters<Notifier['notify']>[0];

/** The part of a native notification used here. */
export type NotificationLike = Pick<ElectronNotification, 'show' | 'close' | 'on'>;
export type NotificationFactory = (options: NotificationConstructorOptions) => NotificationLike;

/** Index of each button in `actions`, as the 'action' event reports it. */
export const APPROVAL_ACTIONS = ['Approve', 'Deny'] as const;

export function supportsNotificationButtons(platform: NodeJS.Platform): boolean {
  return platform === 'darwin' || platform === 'win32';
}

export function notificationOptions(notification: NotifyArgument, platform: NodeJS.Platform): NotificationConstructorOptions {
  const isApproval = notification.approvalId !== undefined;
  const withButtons = isApproval && supportsNotificationButtons(platform);
  return {
    title: notification.title,
    body: withButtons || !isApproval ? notification.body : `${notification.body}\nClick to open Hey Ops and decide.`,
    urgency: notification.urgency,
    // An approval must not vanish before someone has seen it.
    timeoutType: notification.urgency === 'critical' ? 'never' : 'default',
    silent: false,
    ...(withButtons ? { actions: APPROVAL_ACTIONS.map((text) => ({ type: 'button' as const, text })), closeButtonText: 'Later' } : {}),
  };
}

export interface NotifierDeps {
  readonly create: NotificationFactory;
  readonly platform: NodeJS.Platform;
  openWindow(): void;
  decide(approvalId: string, decision: 'approve' | 'deny'): void;
}

/**
 * A Notifier showing native notifications. Each is kept referenced until it is closed or
 * answered: a notification that is garbage-collected no longer delivers its clicks.
 */
export function createNativeNotifier(deps: NotifierDeps): Notifier {
  const live = new Set<NotificationLike>();
  return {
    notify(notification) {
      const native = deps.create(notificationOptions(notification, deps.platform));
      const approvalId = notification.approvalId;
      const done = (): void => void live.delete(native);
      live.add(native);
      native.on('click', () => {
        done();
        deps.openWindow();
      });
      native.on('close', done);
      native.on('failed', done);
      if (approvalId !== undefined) {
        native.on('action', (details) => {
          done();
          const action = APPROVAL_ACTIONS[details.actionIndex];
          if (action === 'Approve') deps.decide(approvalId, 'approve');
          else if (action === 'Deny') deps.decide(approvalId, 'deny');
        });
      }
      native.show();
    },
  };
}
