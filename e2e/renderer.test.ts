/**
 * The window in a real browser against the real core, with everything but Electron itself:
 *
 *   Chromium page (built renderer, its CSP) → window.heyOps (the real preload API object,
 *   bundled for the browser) → a binding standing in for ipcRenderer/ipcMain → the real
 *   main-side handle() (sender check, schemas) → createHeyOpsCore on a temporary home with
 *   the sandbox servers; core events come back through forwardCoreEvents.
 *
 * Needs Debian's chromium (/usr/bin/chromium). Leaves a screenshot in /tmp/hey-ops-window.png.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build, type Rolldown } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HeyOpsCore } from '../main/core/hey-ops-core.ts';
import { coreHandlers, forwardCoreEvents, isTrustedSender, registerIpcHandlers, type IpcMainLike } from '../main/app/ipc.ts';
import { rendererConfig } from '../electron.vite.config.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const CORE_FILE = join(ROOT, 'main/core/hey-ops-core.ts');
const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = '/tmp/hey-ops-window.png';
const WINDOW_ID = 1;
const hasCore = existsSync(CORE_FILE);

type InvokeListener = Parameters<IpcMainLike['handle']>[1];
type InvokeEvent = Parameters<InvokeListener>[0];

const CONTENT_TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.png': 'image/png' };

function serve(dir: string): Promise<Server> {
  const server = createServer((request, response) => {
    const path = normalize(join(dir, decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname)));
    const file = path.endsWith(sep) ? join(path, 'index.html') : path;
    if (!file.startsWith(dir) || !existsSync(file)) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** preload/heyops-api.ts as a browser script defining `HeyOpsPreload.createHeyOpsApi`. */
async function bundlePreloadApi(): Promise<string> {
  const output = (await build({
    configFile: false,
    logLevel: 'silent',
    build: {
      write: false,
      minify: false,
      lib: { entry: join(ROOT, 'preload/heyops-api.ts'), formats: ['iife'], name: 'HeyOpsPreload', fileName: 'heyops-api' },
    },
  })) as Rolldown.RolldownOutput[];
  const chunk = output[0]?.output[0];
  if (chunk?.type !== 'chunk') throw new Error('the preload API did not bundle');
  return chunk.code;
}

/** Runs in the page before its scripts: a stand-in ipcRenderer over the test's binding. */
function installBridge(preload: { createHeyOpsApi(ipc: unknown): unknown }): void {
  type Listener = (event: unknown, ...args: unknown[]) => void;
  const listeners = new Map<string, Set<Listener>>();
  const page = window as unknown as {
    __heyOpsInvoke(channel: string, ...args: unknown[]): Promise<unknown>;
    __heyOpsEmit(channel: string, payload: unknown): void;
    heyOps: unknown;
  };
  page.__heyOpsEmit = (channel, payload) => {
    for (const listener of listeners.get(channel) ?? []) listener({}, payload);
  };
  page.heyOps = preload.createHeyOpsApi({
    invoke: (channel: string, ...args: unknown[]) => page.__heyOpsInvoke(channel, ...args),
    on(channel: string, listener: Listener) {
      listeners.set(channel, (listeners.get(channel) ?? new Set()).add(listener));
    },
    removeListener(channel: string, listener: Listener) {
      listeners.get(channel)?.delete(listener);
    },
  });
}

describe.skipIf(!hasCore)(`the Hey Ops window${hasCore ? '' : ' (skipped: main/core/hey-ops-core.ts does not exist yet)'}`, () => {
  const home = mkdtempSync(join(tmpdir(), 'hey-ops-e2e-'));
  const outDir = mkdtempSync(join(tmpdir(), 'hey-ops-e2e-renderer-'));
  let core: HeyOpsCore;
  let server: Server;
  let browser: Browser;
  let page: Page;
  const stops: Array<() => void> = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)`);
    await build({ ...rendererConfig, configFile: false, logLevel: 'silent', build: { ...rendererConfig.build, outDir, emptyOutDir: true } });
    const preloadApi = await bundlePreloadApi();
    server = await serve(outDir);
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    process.env['HEY_OPS_TIME_SCALE'] = '0.001';
    const { createHeyOpsCore } = await import('../main/core/hey-ops-core.ts');
    core = await createHeyOpsCore({ home, logger: { level: 'error' } });

    const handlers = new Map<string, InvokeListener>();
    const ipcMain: IpcMainLike = { handle: (channel, handler) => void handlers.set(channel, handler), removeHandler: (channel) => void handlers.delete(channel) };
    stops.push(
      registerIpcHandlers({
        ipcMain,
        handlers: coreHandlers(core, () => ({ user: 'e2e', channel: 'window' })),
        isTrustedSender: (sender) => isTrustedSender(sender, { webContentsIds: new Set([WINDOW_ID]), rendererUrl: `${origin}/index.html` }),
      }),
    );

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
    page = await browser.newPage({ viewport: { width: 460, height: 720 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
    await page.exposeBinding('__heyOpsInvoke', async (source, channel: string, ...args: unknown[]) => {
      const handler = handlers.get(channel);
      if (handler === undefined) throw new Error(`No handler registered for '${channel}'`);
      // The sender as Electron would describe it: our window, and the frame's real URL.
      const event = { sender: { id: WINDOW_ID }, senderFrame: { url: source.frame.url() } } as unknown as InvokeEvent;
      return handler(event, ...args);
    });
    await page.addInitScript({ content: `${preloadApi}\n;(${installBridge.toString()})(HeyOpsPreload);` });
    stops.push(
      forwardCoreEvents(core, (channel, payload) => {
        page.evaluate(([c, p]) => (window as unknown as { __heyOpsEmit(c: string, p: unknown): void }).__heyOpsEmit(c, p), [channel, payload] as const).catch(() => {});
      }),
    );
    await page.goto(`${origin}/index.html`);
    try {
      await page.getByTestId('in-flight').filter({ hasText: '/3' }).waitFor({ timeout: 15_000 });
    } catch (error) {
      throw new Error(`the window did not show the core's status; page errors: ${JSON.stringify(pageErrors)}`, { cause: error });
    }
    expect(pageErrors).toEqual([]);
  }, 120_000);

  afterAll(async () => {
    for (const stop of stops) stop();
    await browser?.close();
    server?.close();
    await core?.close();
    rmSync(home, { recursive: true, force: true });
    rmSync(outDir, { recursive: true, force: true });
  });

  async function run(text: string, options: { dryRun?: boolean } = {}): Promise<void> {
    await page.getByLabel('Command').fill(text);
    const dryRun = page.getByLabel('dry run');
    if ((await dryRun.isChecked()) !== (options.dryRun ?? false)) await dryRun.click();
    await page.getByRole('button', { name: 'Run' }).click();
  }

  /** The headline the core stored for its latest operation, once it has one. */
  async function latestHeadline(): Promise<string> {
    let headline: string | null = null;
    await expect.poll(async () => (headline = (await core.getHistory({ limit: 1 }))[0]?.headline ?? null), { timeout: 15_000 }).not.toBeNull();
    return headline ?? '';
  }

  it('shows the status line from the core: slots, budgets and the kill switch off', async () => {
    await expect.poll(() => page.getByTestId('in-flight').textContent()).toBe('0/3');
    expect(await page.getByTestId('kill-switch-state').textContent()).toBe('off');
  });

  it('runs a typed command and shows the report headline', async () => {
    await run('status of api in staging');
    const headline = await latestHeadline();
    await expect.poll(() => page.locator('.report-headline').first().textContent(), { timeout: 15_000 }).toBe(headline);
    await page.locator('.report summary').first().click();
    await expect.poll(() => page.locator('.report pre').first().textContent()).toContain('api');
  });

  it('runs a dry run that spends no deploy budget and marks the report as a dry run', async () => {
    await run('deploy api to staging', { dryRun: true });
    await expect.poll(() => page.locator('.report .chip').first().textContent(), { timeout: 15_000 }).toBe('dry run');
    expect((await core.getStatus()).deployBudget.used).toBe(0);
  });

  it('shows a production deploy waiting for approval with its plan, risk and expiry, and denies it', async () => {
    await run('deploy payments to production');
    const card = page.locator('.approval').first();
    await card.waitFor({ timeout: 15_000 });
    expect(await card.locator('strong').textContent()).toContain('payments');
    expect(await card.locator('.risk').textContent()).toBe('HIGH');
    expect(await card.textContent()).toMatch(/expires in \d+m/);
    await page.screenshot({ path: SCREENSHOT });

    await card.getByRole('button', { name: 'Deny' }).click();
    await expect.poll(async () => (await core.getStatus()).pendingApprovals.length, { timeout: 15_000 }).toBe(0);
    await expect.poll(() => page.locator('.approval').count()).toBe(0);
  });

  it('engages the kill switch from the big red button and releases it after a confirmation', async () => {
    await page.getByRole('button', { name: 'KILL SWITCH' }).click();
    await expect.poll(() => page.getByTestId('kill-switch-state').textContent(), { timeout: 10_000 }).toBe('ENGAGED by e2e');
    expect((await core.getStatus()).killSwitch).toMatchObject({ engaged: true, by: 'e2e' });

    await page.getByRole('button', { name: 'Release kill switch…' }).click();
    expect((await core.getStatus()).killSwitch.engaged).toBe(true);
    await page.getByRole('button', { name: 'Yes, release' }).click();
    await expect.poll(() => page.getByTestId('kill-switch-state').textContent(), { timeout: 10_000 }).toBe('off');
    expect((await core.getStatus()).killSwitch.engaged).toBe(false);
  });
});
