// ESLint flat config. The import rule keeps the core (assembly/, src/core/) free of UI code,
// so the CLI, tests and the worker run it unchanged.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import * as asParser from './scripts/eslint-as-parser.js';

const uiImports = {
  patterns: [
    { group: ['**/ui/**', '../ui/*', '**/src/ui/**'], message: 'The core must not import UI code.' },
    {
      group: ['react', 'react-dom', 'react-dom/*', 'zustand', 'zustand/*', 'd3', 'd3-*'],
      message: 'The core is framework-free.',
    },
  ],
};

export default tseslint.config(
  {
    ignores: [
      'node_modules',
      'dist',
      'scratch',
      'src/core/wasm',
      'test-results',
      'playwright-report',
      'bench/results',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-eval': 'error',
      'no-implied-eval': 'error',
    },
  },
  {
    files: ['src/ui/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: { ...reactHooks.configs.recommended.rules },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', uiImports] },
  },
  {
    // AssemblyScript: only the layering rule applies (its types and intrinsics are not TypeScript's).
    files: ['assembly/**/*.ts'],
    languageOptions: { parser: asParser },
    rules: Object.fromEntries(
      [
        ...Object.keys(js.configs.recommended.rules),
        ...tseslint.configs.recommended.flatMap((c) => Object.keys(c.rules ?? {})),
      ].map((r) => [r, 'off']),
    ),
  },
  {
    files: ['assembly/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', uiImports] },
  },
);
