#!/usr/bin/env node
// Launcher for the hey-ops command line. The core is TypeScript run directly by Node ≥ 22.18
// (type stripping); on an older Node this re-runs itself with the Node 22 that `npm install`
// puts in node_modules (the `node` package), so `npx hey-ops` works on a machine whose system
// Node is 20. Plain JavaScript on purpose: it must run on any Node.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [major, minor] = process.versions.node.split('.').map(Number);
const supported = major > 22 || (major === 22 && minor >= 18);

if (!supported) {
  const bundled = join(root, 'node_modules', 'node', 'bin', process.platform === 'win32' ? 'node.exe' : 'node');
  if (!existsSync(bundled)) {
    console.error(`hey-ops: Node ${process.versions.node} is too old (22.18 or newer is needed) and no Node 22 was found in node_modules. Run "npm install" in ${root}.`);
    process.exit(2);
  }
  const result = spawnSync(bundled, ['--disable-warning=ExperimentalWarning', fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(result.status ?? 1);
}

// node:sqlite and type stripping announce themselves as experimental on every run; that
// notice is not for users of a CLI. Every other warning is still printed.
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (warning.name !== 'ExperimentalWarning') console.error(`${warning.name}: ${warning.message}`);
});

const { main } = await import(pathToFileURL(join(root, 'main', 'cli', 'hey-ops.ts')).href);
process.exitCode = await main(process.argv.slice(2));
