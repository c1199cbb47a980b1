import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { toolSchemaPath, type ToolSchemaFile } from './server-kit.ts';

const FILES: readonly ToolSchemaFile[] = ['github-mcp-server.json', 'cloud-run-mcp.json', 'gcloud-mcp.json'];
/** CI checks the repository out beside `shared/`, which holds the recorded facts of the official servers. */
const SHARED = path.resolve(fileURLToPath(new URL('..', import.meta.url)), '..', 'shared', 'mcp-tool-schemas');

describe('sandbox/tool-schemas', () => {
  it('holds the same tool facts as shared/mcp-tool-schemas when that directory is beside the repository', () => {
    for (const file of FILES) {
      const copy: unknown = JSON.parse(readFileSync(toolSchemaPath(file), 'utf8'));
      expect(copy).toMatchObject({ tools: expect.any(Array) });
      const shared = path.join(SHARED, file);
      // Outside CI (a clone without shared/) only the copies themselves can be checked.
      if (existsSync(shared)) expect(copy).toEqual(JSON.parse(readFileSync(shared, 'utf8')));
    }
  });
});
