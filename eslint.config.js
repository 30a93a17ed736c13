// Lint rules the test command runs (npm run lint). Production code gets typescript-eslint's strict, type-aware
// set: floating and misused promises, unsafe `any`, needless conditions and non-null assertions are the bugs a
// gateway cannot afford. Tests, benches and examples read untyped JSON bodies all day, so they get the plain
// recommended set plus the two type-aware promise rules: an un-awaited assert or a rejected promise nobody
// catches is a test that passes while proving nothing, and that is the bug worth the type information.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Patterns name the .ts files: ESLint lints only files some `files` pattern names, and a bare `bench/**` does not.
const TEST_FILES = ['**/*.test.ts', '**/*.test-helper.ts', 'test/**/*.ts', 'bench/**/*.ts', 'examples/**/*.ts', 'scripts/**/*.ts'];

/** node:test's test() and describe() return promises the runner itself awaits. */
const NODE_TEST_CALLS = { from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] };
const PROMISE_RULES = { '@typescript-eslint/no-floating-promises': ['error', { allowForKnownSafeCalls: [NODE_TEST_CALLS] }] };

export default tseslint.config(
  { ignores: ['node_modules/', 'data/', '.bench/', 'docs/'] },
  js.configs.recommended,
  {
    languageOptions: {
      parserOptions: {
        // scripts/ is outside tsconfig.json's `include` (tsc does not check it): it borrows that file's options.
        projectService: { allowDefaultProject: ['scripts/*.ts'], defaultProject: 'tsconfig.json' },
        tsconfigRootDir: import.meta.dirname,
      },
    },
  },
  {
    // The JavaScript files (the bin shim, a test's module hook) run on Node; TypeScript checks the rest for this.
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  {
    files: ['**/*.ts'],
    ignores: TEST_FILES,
    extends: [tseslint.configs.strictTypeChecked],
    rules: {
      ...PROMISE_RULES,
      // Numbers and booleans print as themselves; objects and nullish values in messages are the mistakes.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
    },
  },
  {
    files: TEST_FILES,
    extends: [tseslint.configs.recommended],
    rules: { ...PROMISE_RULES, '@typescript-eslint/no-misused-promises': 'error' },
  },
);
