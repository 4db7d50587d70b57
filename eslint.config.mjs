// ESLint flat config: typescript-eslint's recommended rules, plus the house rules docs/testing.md
// lists under "Static checks". Type-aware rules are left out so `npm test` stays fast; `tsc` checks the types.
import js from '@eslint/js';
import stylistic from '@stylistic/eslint-plugin';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'build/', 'dist/', 'dist-*/', 'tools/', '.cache/', 'coverage/', 'imports/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.mjs', '**/*.js'],
    plugins: { '@stylistic': stylistic },
    rules: {
      // The length cdk8s-plus allows.
      '@stylistic/max-len': ['error', { code: 150, ignoreUrls: true, ignoreRegExpLiterals: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-unreachable': 'error',
      'no-useless-return': 'error',
      'prefer-const': 'error',
    },
  },
  {
    // Tests read synthesized YAML whose shape is the point of the assertion, and compare whole messages
    // and fixtures, as the bench writes its report: one line each (projen's setting for cdk8s-plus).
    files: ['test/**/*.ts', 'bench/bench.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@stylistic/max-len': ['error', { code: 150, ignoreUrls: true, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true }],
    },
  },
  {
    // The e2e's checks are named by whole sentences and compare whole lines of output, as tests do.
    files: ['e2e/**/*.ts'],
    rules: {
      '@stylistic/max-len': ['error', { code: 150, ignoreUrls: true, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true }],
    },
  },
  {
    files: ['*.js', 'test/**/*.js', 'e2e/**/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', module: 'writable', __dirname: 'readonly', process: 'readonly', URL: 'readonly', Buffer: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['scripts/**/*.mjs'],
    languageOptions: { globals: { process: 'readonly' } },
  },
);
