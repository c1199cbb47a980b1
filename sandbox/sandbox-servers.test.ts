import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { McpServersFileSchema } from '../common/config.ts';
import { sandboxMcpServers } from './sandbox-servers.ts';

describe('sandboxMcpServers', () => {
  it('starts both servers with the running Node on absolute script paths, passing the state dir and time scale', () => {
    const servers = sandboxMcpServers({ stateDir: '/tmp/hey-ops-state', timeScale: 0.001 });
    expect(Object.keys(servers)).toEqual(['github', 'gcp']);
    for (const server of Object.values(servers)) {
      expect(server.command).toBe(process.execPath);
      expect(server.args).toHaveLength(1);
      expect(path.isAbsolute(server.args[0] ?? '')).toBe(true);
      expect(existsSync(server.args[0] ?? '')).toBe(true);
      expect(server.env).toMatchObject({ HEY_OPS_SANDBOX_DIR: '/tmp/hey-ops-state', HEY_OPS_TIME_SCALE: '0.001' });
    }
  });

  it('produces entries the mcpServers config schema accepts', () => {
    expect(() => McpServersFileSchema.parse({ mcpServers: sandboxMcpServers({ stateDir: '/tmp/x', timeScale: 0.05 }) })).not.toThrow();
  });
});

describe('sandbox server processes', () => {
  it('exit 1 with a message naming HEY_OPS_SANDBOX_DIR when it is not set', async () => {
    const { spawnSync } = await import('node:child_process');
    for (const server of Object.values(sandboxMcpServers({ stateDir: '/unused', timeScale: 1 }))) {
      const result = spawnSync(server.command, server.args, { env: { PATH: process.env['PATH'] ?? '' }, encoding: 'utf8', timeout: 20_000 });
      expect(result.status).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain('HEY_OPS_SANDBOX_DIR is not set');
    }
  });
});
