// @ts-check
/**
 * Lint for the whole tree: typescript-eslint's recommended rules, React's hook rules for the
 * renderer, and `local/layering`, which keeps the process layers apart (as VS Code's
 * `code-layering` does):
 *
 *   1. `electron` is imported only in main/app/** (the shell) and preload/**;
 *   2. common/** imports nothing but zod and common/ itself (it runs in every process);
 *   3. workers/** never import main/, preload/ or renderer/ (agents are pure functions);
 *   4. renderer/** imports common/, itself, React, and only *types* from preload/;
 *   5. preload/** imports only common/, itself, zod and electron (it is bundled into the
 *      sandboxed preload, which has no node_modules).
 *
 * Relative imports are resolved against the importing file, so `../../main/x.ts` is caught
 * wherever it is written. main/settings/layering.test.ts pins these rules.
 */
import { dirname, relative, resolve, sep } from 'node:path';
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

const ROOT = import.meta.dirname;

/**
 * The layer a repository path belongs to: 'main/app' is the shell (with main/index.ts, its
 * entry); the rest of main/ is 'main'.
 */
function layerOf(repoPath) {
  const [top, second] = repoPath.split('/');
  if (top === 'main' && (second === 'app' || second === 'index.ts')) return 'main/app';
  return top ?? '';
}

const isElectron = (source) => source === 'electron' || source.startsWith('electron/');
const isPackage = (source, names) => names.some((name) => source === name || source.startsWith(`${name}/`));

/**
 * What `file` (a layer) may import. `target` is the layer of a relative import (null for a
 * package), `source` the import text, `typeOnly` whether only types are imported.
 * Returns a message id, or null when the import is allowed.
 */
function check(layer, { target, source, typeOnly, isTest }) {
  if (target === null && isElectron(source) && layer !== 'main/app' && layer !== 'preload') return 'electron';
  // Tests run under Node with vitest and may use its packages and builtins; layers still apply.
  if (target === null && isTest) return null;
  switch (layer) {
    case 'common':
      if (target === null ? !isPackage(source, ['zod']) : target !== 'common') return 'common';
      return null;
    case 'workers':
      if (target === 'main' || target === 'main/app' || target === 'preload' || target === 'renderer') return 'workers';
      return null;
    case 'renderer':
      if (target === null) return isPackage(source, ['react', 'react-dom', 'zod']) ? null : 'renderer';
      if (target === 'renderer' || target === 'common') return null;
      if (target === 'preload' && typeOnly) return null;
      return 'renderer';
    case 'preload':
      if (target === null) return isPackage(source, ['zod']) || isElectron(source) ? null : 'preload';
      return target === 'preload' || target === 'common' ? null : 'preload';
    default:
      return null;
  }
}

/** @type {import('eslint').Rule.RuleModule} */
const layering = {
  meta: {
    type: 'problem',
    docs: { description: 'Keeps the process layers (common, main, main/app, preload, renderer, workers) apart' },
    schema: [],
    messages: {
      electron: '`{{source}}`: only main/app/** (the shell) and preload/** may import electron; everything else runs under plain Node.',
      common: '`{{source}}`: common/ is process-neutral and may import only zod and common/ itself.',
      workers: '`{{source}}`: workers/ (agents) must not import main/, preload/ or renderer/; take what they need as input.',
      renderer: '`{{source}}`: renderer/ may import only common/, React and types from preload/ (it talks to the core through window.heyOps).',
      preload: '`{{source}}`: preload/ is bundled into the sandboxed preload and may import only common/, zod and electron.',
    },
  },
  create(context) {
    const file = relative(ROOT, context.filename).split(sep).join('/');
    if (file.startsWith('..')) return {};
    const layer = layerOf(file);
    const isTest = /\.test\.tsx?$/.test(file);
    const visit = (node, sourceNode, typeOnly) => {
      if (sourceNode?.type !== 'Literal' || typeof sourceNode.value !== 'string') return;
      const source = sourceNode.value;
      const target = source.startsWith('.')
        ? layerOf(relative(ROOT, resolve(dirname(context.filename), source.split('?')[0] ?? source)).split(sep).join('/'))
        : null;
      const messageId = check(layer, { target, source, typeOnly, isTest });
      if (messageId !== null) context.report({ node, messageId, data: { source } });
    };
    const onlyTypes = (node) =>
      node.importKind === 'type' ||
      node.exportKind === 'type' ||
      (node.specifiers?.length > 0 && node.specifiers.every((specifier) => specifier.importKind === 'type' || specifier.exportKind === 'type'));
    return {
      ImportDeclaration: (node) => visit(node, node.source, onlyTypes(node)),
      ExportNamedDeclaration: (node) => visit(node, node.source, onlyTypes(node)),
      ExportAllDeclaration: (node) => visit(node, node.source, node.exportKind === 'type'),
      ImportExpression: (node) => visit(node, node.source, false),
      TSImportType: (node) => visit(node, node.argument?.type === 'TSLiteralType' ? node.argument.literal : node.source, true),
    };
  },
};

export default tseslint.config(
  { ignores: ['**/out/**', 'node_modules/**', 'coverage/**', 'dist/**', '.hey-ops/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx,js,mjs}'],
    plugins: { local: { rules: { layering } } },
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' },
    },
    rules: {
      'local/layering': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
      '@typescript-eslint/no-import-type-side-effects': 'error',
      eqeqeq: ['error', 'always'],
      'no-restricted-syntax': [
        'error',
        { selector: "TSEnumDeclaration", message: 'Use a union of string literals or a zod enum: Node runs TypeScript by stripping types, and enums are not erasable.' },
        { selector: "CallExpression[callee.object.name=/^(it|describe|test)$/][callee.property.name='only']", message: 'No .only in committed tests.' },
      ],
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    ...reactHooks.configs.flat.recommended,
  },
);
