/**
 * The Electron build, checked without the Electron binary: `electron-vite build` into a
 * temporary folder, then the pieces Electron would load are inspected, and the core is run
 * under plain Node with the agent worker files exactly as the build bundled them.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'electron-vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentNameSchema, type AgentName } from '../../common/messages.ts';
import { createHeyOpsCore } from '../core/hey-ops-core.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// Inside the repository (out/ is ignored by git) so the bundles find node_modules, as in the app.
mkdirSync(join(ROOT, 'out'), { recursive: true });
const out = mkdtempSync(join(ROOT, 'out', 'build-test-'));
const home = mkdtempSync(join(tmpdir(), 'hey-ops-electron-build-home-'));

beforeAll(async () => {
  await build({ root: ROOT, configFile: join(ROOT, 'electron.vite.config.ts'), logLevel: 'silent', build: { outDir: out } });
}, 120_000);

afterAll(() => {
  rmSync(out, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
});

/** Each agent's worker file as the built main process will hand it to the core. */
function bundledWorkerFiles(): Record<AgentName, string> {
  const main = readFileSync(join(out, 'main/index.js'), 'utf8');
  const entries = AgentNameSchema.options.map((name) => {
    const match = new RegExp(`\\(import\\.meta\\.dirname, "(\\./chunks/${name}\\.worker-[0-9a-f]+\\.js)"\\)`).exec(main);
    if (match?.[1] === undefined) throw new Error(`out/main/index.js does not reference a bundled ${name} worker`);
    return [name, join(out, 'main', match[1])] as const;
  });
  return Object.fromEntries(entries) as Record<AgentName, string>;
}

describe('electron-vite build', () => {
  it('writes the main process, the preload, the page and one bundled worker file per agent', () => {
    for (const file of ['main/index.js', 'preload/index.cjs', 'renderer/index.html']) expect(existsSync(join(out, file)), file).toBe(true);
    for (const file of Object.values(bundledWorkerFiles())) expect(existsSync(file), file).toBe(true);
  });

  it('keeps node:sqlite and electron as imports of the main process, not bundled code', () => {
    const main = readFileSync(join(out, 'main/index.js'), 'utf8');
    expect(main).toMatch(/^import \{[^}]*\} from "electron";$/m);
    expect(main).toMatch(/^import \{ DatabaseSync \} from "node:sqlite";$/m);
  });

  it('makes the preload one CommonJS script that requires nothing but electron, as a sandboxed preload must', () => {
    const preload = readFileSync(join(out, 'preload/index.cjs'), 'utf8');
    expect([...preload.matchAll(/require\("([^"]+)"\)/g)].map((match) => match[1])).toEqual(['electron']);
    expect(preload).not.toMatch(/^import /m);
    expect(preload).toContain('exposeInMainWorld("heyOps"');
  });

  it('keeps the strict content security policy in the built page, with no inline script', () => {
    const html = readFileSync(join(out, 'renderer/index.html'), 'utf8');
    expect(html).toContain("script-src 'self'; style-src 'self'");
    expect(html).toContain("connect-src 'none'");
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toContain('unsafe-inline');
  });

  it('runs a real command through the core with the bundled worker files', async () => {
    process.env['HEY_OPS_TIME_SCALE'] = '0.001';
    const core = await createHeyOpsCore({ home, agentWorkerFiles: bundledWorkerFiles(), logger: { level: 'error' } });
    try {
      const report = await core.runCommand({ text: 'deploy api to staging' }, { user: 'build-test', channel: 'window' });
      expect(report.status).toBe('succeeded');
      expect(report.headline).toMatch(/^Deployment of api to staging completed/);
    } finally {
      await core.close();
    }
  }, 60_000);
});
