/**
 * Pins the layering rule of eslint.config.js (`local/layering`) by linting small snippets as
 * if they were files in each layer. Lives here because it needs no Electron and main/ is where
 * the layers meet; it covers the whole tree's rule, not this folder.
 */
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
let eslint: ESLint;

beforeAll(() => {
  eslint = new ESLint({ cwd: ROOT });
});

/** The layering messages ESLint gives `code` as the file at `path` (relative to the repo). */
async function layering(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${ROOT}${path}` });
  return (result?.messages ?? []).filter((message) => message.ruleId === 'local/layering').map((message) => message.message);
}

describe('local/layering', () => {
  it('refuses electron in the core, and allows it in the shell and the preload', async () => {
    const code = "import { app } from 'electron';\nexport const name = app.name;\n";
    expect(await layering('main/core/x.ts', code)).toEqual([
      '`electron`: only main/app/** (the shell) and preload/** may import electron; everything else runs under plain Node.',
    ]);
    expect(await layering('main/app/x.ts', code)).toEqual([]);
    expect(await layering('main/index.ts', code)).toEqual([]);
    expect(await layering('preload/x.ts', code)).toEqual([]);
    expect(await layering('workers/agents/planner/x.ts', code)).toHaveLength(1);
    expect(await layering('renderer/src/x.ts', code)).toHaveLength(1);
  });

  it('refuses an import of main/ (static, re-export or dynamic) in common/', async () => {
    expect(await layering('common/x.ts', "import { createHeyOpsCore } from '../main/core/hey-ops-core.ts';\nexport { createHeyOpsCore };\n")).toEqual([
      '`../main/core/hey-ops-core.ts`: common/ is process-neutral and may import only zod and common/ itself.',
    ]);
    expect(await layering('common/x.ts', "export * from '../workers/agents/router/route-plan.ts';\n")).toHaveLength(1);
    expect(await layering('common/x.ts', "export const load = () => import('../main/core/bus.ts');\n")).toHaveLength(1);
  });

  it('lets common/ import zod and itself, but no other package or Node builtin', async () => {
    expect(await layering('common/x.ts', "import { z } from 'zod';\nimport { formatUsd } from './format.ts';\nexport const s = z.string().describe(formatUsd(1));\n")).toEqual([]);
    expect(await layering('common/x.ts', "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n")).toHaveLength(1);
  });

  it('refuses main/ and renderer/ in workers/, and allows common/ and other workers', async () => {
    expect(await layering('workers/agents/planner/x.ts', "import { Bus } from '../../../main/core/bus.ts';\nexport const b = Bus;\n")).toHaveLength(1);
    expect(await layering('workers/agents/planner/x.ts', "import { App } from '../../../renderer/src/app.tsx';\nexport const a = App;\n")).toHaveLength(1);
    expect(
      await layering('workers/agents/planner/x.ts', "import { PlanSchema } from '../../../common/messages.ts';\nimport { routePlan } from '../router/route-plan.ts';\nexport const p = [PlanSchema, routePlan];\n"),
    ).toEqual([]);
  });

  it('lets the renderer import only types from the preload', async () => {
    expect(await layering('renderer/src/x.ts', "import type { HeyOpsApi } from '../../preload/index.ts';\nexport type A = HeyOpsApi;\n")).toEqual([]);
    expect(await layering('renderer/src/x.ts', "import { createHeyOpsApi } from '../../preload/heyops-api.ts';\nexport const c = createHeyOpsApi;\n")).toEqual([
      '`../../preload/heyops-api.ts`: renderer/ may import only common/, React and types from preload/ (it talks to the core through window.heyOps).',
    ]);
    expect(await layering('renderer/src/x.ts', "import { StateStore } from '../../main/core/state-store.ts';\nexport const s = StateStore;\n")).toHaveLength(1);
    expect(await layering('renderer/src/x.ts', "import { useState } from 'react';\nimport { formatUsd } from '../../common/format.ts';\nexport const u = [useState, formatUsd];\n")).toEqual([]);
  });

  it('lets tests use vitest and Node builtins in any layer, without lifting the layers', async () => {
    expect(await layering('common/x.test.ts', "import { it } from 'vitest';\nimport { tmpdir } from 'node:os';\nit('x', () => tmpdir());\n")).toEqual([]);
    expect(await layering('common/x.test.ts', "import { Bus } from '../main/core/bus.ts';\nexport const b = Bus;\n")).toHaveLength(1);
  });
});
