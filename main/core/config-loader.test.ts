import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SANDBOX_CATALOG } from '../../common/config.ts';
import { defaultHome, loadConfig, parseConfigYaml, parseMcpJson, parseTimeScale } from './config-loader.ts';

function home(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'hey-ops-config-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('loadConfig', () => {
  it('runs against the embedded sandbox with documented defaults when there are no files', () => {
    const dir = home();
    const config = loadConfig({ home: dir, env: { HEY_OPS_TIME_SCALE: '0.001' } });
    expect(config.sandbox).toBe(true);
    expect(config.timeScale).toBe(0.001);
    expect(config.catalog).toEqual(SANDBOX_CATALOG);
    expect(Object.keys(config.mcpServers).sort()).toEqual(['gcp', 'github']);
    expect(config.policy).toMatchObject({ maxInFlight: 3, rateLimits: { deploysPerHour: 10, rollbacksPerHour: 5 }, approvals: { requiredFor: ['production'], expiresAfterMs: 600_000 } });
    expect(config.llm).toBeNull();
  });

  it('refuses a broken policy, naming the file, line and field', () => {
    const dir = home({ 'hey-ops.yaml': 'policy:\n  rateLimits:\n    deploysPerHour: lots\n' });
    expect(() => loadConfig({ home: dir, env: {} })).toThrow(/hey-ops\.yaml:3: policy\.rateLimits\.deploysPerHour: Invalid input: expected number/);
  });

  it('refuses a policy that would let production changes run without a hand', () => {
    expect(() => parseConfigYaml('policy:\n  approvals:\n    requiredFor: []\n', 'hey-ops.yaml')).toThrow(
      /hey-ops\.yaml:3: policy\.approvals\.requiredFor: must include production/,
    );
  });

  it('refuses unknown keys instead of ignoring a typo', () => {
    expect(() => parseConfigYaml('policy:\n  maxInFlite: 10\n', 'hey-ops.yaml')).toThrow(/hey-ops\.yaml:2: policy: Unrecognized key: "maxInFlite"/);
  });

  it('refuses YAML that does not parse', () => {
    expect(() => parseConfigYaml('policy: [\n', 'hey-ops.yaml')).toThrow(/hey-ops\.yaml(:\d+)?: not valid YAML/);
  });

  it('accepts the mcpServers shape users already have, and requires a catalog for real servers', () => {
    const mcp = JSON.stringify({
      mcpServers: {
        github: { command: 'github-mcp-server', args: ['stdio'], env: { GITHUB_PERSONAL_ACCESS_TOKEN: '${GITHUB_TOKEN}', GITHUB_TOOLSETS: 'default,actions' } },
        gcp: { url: 'https://run.googleapis.com/mcp', headers: { Authorization: 'Bearer ${GCP_TOKEN}' } },
      },
    });
    expect(parseMcpJson(mcp, 'mcp.json').gcp).toMatchObject({ url: 'https://run.googleapis.com/mcp' });
    expect(() => loadConfig({ home: home({ 'mcp.json': mcp }), env: {} })).toThrow(/a "catalog" \(services and environments\) is required/);
    const catalog = 'catalog:\n  services:\n    api: { repo: acme/api }\n  environments:\n    dev: { project: d, region: r }\n    staging: { project: s, region: r }\n    production: { project: p, region: r }\n';
    const config = loadConfig({ home: home({ 'mcp.json': mcp, 'hey-ops.yaml': catalog }), env: { HEY_OPS_TIME_SCALE: '0.001' } });
    expect(config.sandbox).toBe(false);
    expect(config.timeScale).toBe(1);
  });

  it('names executor servers that are not defined', () => {
    const dir = home({ 'hey-ops.yaml': 'executors:\n  gcp:\n    servers: [cloud-run, gcloud]\n' });
    expect(() => loadConfig({ home: dir, env: {} })).toThrow(/executors\.gcp\.servers names cloud-run, gcloud, which the sandbox does not provide/);
  });

  it('rejects a nonsense time scale and an invalid mcp.json', () => {
    expect(() => parseTimeScale('fast')).toThrow(/HEY_OPS_TIME_SCALE must be a number/);
    expect(parseTimeScale(undefined)).toBe(0.05);
    expect(() => parseMcpJson('{"mcpServers": {"x": {"args": []}}}', 'mcp.json')).toThrow(/The MCP server list is invalid/);
    expect(() => parseMcpJson('{', 'mcp.json')).toThrow(/mcp\.json: not valid JSON/);
  });

  it('uses HEY_OPS_HOME, else the per-user app-data folder', () => {
    expect(defaultHome({ HEY_OPS_HOME: '/x' }, 'linux')).toBe('/x');
    expect(defaultHome({ XDG_CONFIG_HOME: '/cfg' }, 'linux')).toBe('/cfg/hey-ops');
    expect(defaultHome({ APPDATA: 'C:\\AppData' }, 'win32')).toMatch(/hey-ops$/);
  });
});
