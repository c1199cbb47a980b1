/**
 * The Electron build: `electron-vite build` writes out/main (ESM, with each agent worker as its
 * own file via `?modulePath`), out/preload (one CommonJS file: sandboxed preloads cannot load
 * ES modules or anything from node_modules, so zod and common/ are bundled in) and
 * out/renderer (React). It needs no Electron binary.
 */
import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';
import type { Plugin } from 'vite';

const root = import.meta.dirname;

/**
 * `electron-vite dev` serves the page from Vite, whose React refresh runs an inline script and
 * talks over a WebSocket; the built page keeps the strict policy of renderer/index.html.
 */
function devContentSecurityPolicy(): Plugin {
  return {
    name: 'hey-ops:dev-csp',
    apply: 'serve',
    transformIndexHtml: (html) =>
      html.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'").replace("connect-src 'none'", "connect-src 'self' ws://localhost:*"),
  };
}

export const rendererConfig = {
  root: resolve(root, 'renderer'),
  base: './',
  plugins: [react(), devContentSecurityPolicy()],
  build: {
    outDir: resolve(root, 'out/renderer'),
    rolldownOptions: { input: resolve(root, 'renderer/index.html') },
  },
};

export default defineConfig({
  main: {
    build: {
      outDir: resolve(root, 'out/main'),
      rolldownOptions: {
        input: { index: resolve(root, 'main/index.ts') },
        // Node's builtin list leaves out scheme-only modules such as node:sqlite.
        external: ['node:sqlite'],
      },
    },
  },
  preload: {
    build: {
      outDir: resolve(root, 'out/preload'),
      externalizeDeps: false,
      rolldownOptions: {
        input: { index: resolve(root, 'preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: rendererConfig,
});
