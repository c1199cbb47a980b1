import { describe, expect, it } from 'vitest';
import type { NotificationConstructorOptions } from 'electron';
import { createNativeNotifier, notificationOptions, type NotificationLike } from './notifications.ts';

const APPROVAL_NOTE = {
  title: 'Approval needed: deploy payments → production',
  body: 'Risk HIGH. Approve with: hey-ops approve 3f2a9c1b (expires 10:08 UTC)',
  approvalId: '3f2a9c1b',
  urgency: 'critical' as const,
};

/** Native notifications that record their options and let the test fire their events. */
function fakeNotifications() {
  const shown: Array<{ options: NotificationConstructorOptions; emit: (event: string, ...args: unknown[]) => void }> = [];
  const create = (options: NotificationConstructorOptions): NotificationLike => {
    const listeners = new Map<string, Array<(...args: unknown[]) => void>>();
    const native = {
      show: () => void shown.push({ options, emit: (event, ...args) => listeners.get(event)?.forEach((listener) => listener(...args)) }),
      close: () => {},
      on(event: string, listener: (...args: unknown[]) => void) {
        listeners.set(event, [...(listeners.get(event) ?? []), listener]);
        return native;
      },
    };
    return native as unknown as NotificationLike;
  };
  return { shown, create };
}

describe('notificationOptions', () => {
  it('gives an approval Approve and Deny buttons on macOS and Windows, and keeps it on screen', () => {
    for (const platform of ['darwin', 'win32'] as const) {
      expect(notificationOptions(APPROVAL_NOTE, platform)).toMatchObject({
        title: APPROVAL_NOTE.title,
        body: APPROVAL_NOTE.body,
        actions: [
          { type: 'button', text: 'Approve' },
          { type: 'button', text: 'Deny' },
        ],
        timeoutType: 'never',
        urgency: 'critical',
      });
    }
  });

  it('on Linux shows no buttons and says a click opens the window to decide', () => {
    const options = notificationOptions(APPROVAL_NOTE, 'linux');
    expect(options.actions).toBeUndefined();
    expect(options.body).toBe(`${APPROVAL_NOTE.body}\nClick to open Hey Ops and decide.`);
  });

  it('shows a plain notification without buttons anywhere', () => {
    const options = notificationOptions({ title: 'Hey Ops', body: 'Deployment of api to staging completed.', urgency: 'normal' }, 'darwin');
    expect(options.actions).toBeUndefined();
    expect(options.timeoutType).toBe('default');
  });
});

describe('createNativeNotifier', () => {
  function setUp(platform: NodeJS.Platform) {
    const fake = fakeNotifications();
    const calls: string[] = [];
    const notifier = createNativeNotifier({
      create: fake.create,
      platform,
      openWindow: () => calls.push('open'),
      decide: (approvalId, decision) => calls.push(`${decision} ${approvalId}`),
    });
    return { fake, calls, notifier };
  }

  it('approves or denies the approval named in the notification from its buttons', () => {
    const { fake, calls, notifier } = setUp('darwin');
    notifier.notify(APPROVAL_NOTE);
    notifier.notify(APPROVAL_NOTE);
    fake.shown[0]?.emit('action', { actionIndex: 0 }, 0);
    fake.shown[1]?.emit('action', { actionIndex: 1 }, 1);
    expect(calls).toEqual(['approve 3f2a9c1b', 'deny 3f2a9c1b']);
  });

  it('opens the window on a click, and never decides from a click', () => {
    const { fake, calls, notifier } = setUp('linux');
    notifier.notify(APPROVAL_NOTE);
    fake.shown[0]?.emit('click');
    expect(calls).toEqual(['open']);
  });

  it('ignores an action index it did not offer', () => {
    const { fake, calls, notifier } = setUp('win32');
    notifier.notify(APPROVAL_NOTE);
    fake.shown[0]?.emit('action', { actionIndex: 5 }, 5);
    expect(calls).toEqual([]);
  });
});
