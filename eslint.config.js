// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const INDEX_ONLY = {
  // ../<module>/<file>.js or ../../<module>/<file>.js where <file> is not index
  regex: '^(\\.\\./)+[a-z-]+/(?!index\\.js$)[^/]+$',
  message: 'import another module through its index.ts (export by name), not one of its files',
};

const TOOLS_INDEX_ONLY = [
  {
    // ../../src/<module>/<file>.js where <file> is not index (src's top-level files are the service's face)
    regex: '^(\\.\\./)+src/[a-z-]+/(?!index\\.js$)[^/]+$',
    message: "tools import the router through each module's index.ts, not one of its files",
  },
  {
    // ../<tool>/<file>.js where <file> is not index
    regex: '^\\.\\./[a-z-]+/(?!index\\.js$)[^/]+$',
    message: 'import another tool through its index.ts, not one of its files',
  },
];

export default tseslint.config(
  { ignores: ['dist/**', 'coverage/**', 'node_modules/**', 'packages/*/dist/**', 'dist-tools/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    // Cross-module imports go through each folder's index.ts (docs/architecture.md, "Modules").
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [INDEX_ONLY] }],
    },
  },
  {
    // tools/ (bench, demo, devtools) sit beside the router and use it the way any caller would.
    files: ['tools/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: TOOLS_INDEX_ONLY }],
    },
  },
  {
    // The classifier is pure: no I/O, no clock, no logger (docs/architecture.md, "Modules").
    files: ['src/classify/**/*.ts', 'src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            INDEX_ONLY,
            {
              group: [
                'node:fs',
                'node:fs/*',
                'fs',
                'node:net',
                'node:http',
                'axios',
                'ioredis',
                'bullmq',
                'winston',
              ],
              message: 'classify/ and domain/ are pure: no I/O imports.',
            },
          ],
        },
      ],
    },
  },
);
