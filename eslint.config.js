import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', '.tmomi/', 'web/dist/', '.stryker-tmp/', 'reports/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Fastify hooks and handlers are async by contract even when they have nothing to await.
      '@typescript-eslint/require-await': 'off',
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read configuration through src/platform/config.ts.' },
      ],
      // A named query is a prepared statement of one server session: behind PgBouncer in transaction
      // mode (1.18 here; protocol-level ones need 1.21 and max_prepared_statements) the next
      // transaction may run on another session, where it does not exist (docs/decisions/036).
      'no-restricted-syntax': [
        'error',
        {
          selector:
            "CallExpression[callee.property.name='query'] > ObjectExpression > Property[key.name='name']",
          message:
            'No named (prepared) statements: PostgreSQL is reached through PgBouncer in transaction mode.',
        },
      ],
    },
  },
  {
    files: [
      'src/platform/config.ts',
      'test/**',
      'bench/**',
      'scripts/**',
      '**/*.test.ts',
      'vitest.config.ts',
      'vitest.mutate.config.ts',
      'stryker.config.mjs',
    ],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    // Tests, benchmarks and the load-test client read JSON responses as `any` on purpose: the assertions
    // (and, for the load test, the invariant check) are the type check.
    files: ['test/**', 'bench/**', 'src/loadtest/**', '**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // The web app runs in the browser: its globals, and the rules of hooks.
    files: ['web/**/*.{ts,tsx}'],
    ...reactHooks.configs.flat.recommended,
    languageOptions: { globals: globals.browser },
  },
  { files: ['**/*.{js,mjs}'], ...tseslint.configs.disableTypeChecked },
);
