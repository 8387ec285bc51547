// ESLint flat config: typescript-eslint with type information, so that promise mistakes
// (floating or misused promises) are errors.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', '.cache/**', '*.vsix'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['src/**/*.ts', 'test/**/*.ts', 'scripts/**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
      // `import x = require()` is how a test patches a module object (ESM namespaces are frozen).
      '@typescript-eslint/no-require-imports': ['error', { allowAsImport: true }],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/ui/**', 'src/extension.ts'],
    rules: {
      // Only the UI layer may talk to VS Code.
      'no-restricted-imports': ['error', { paths: [{ name: 'vscode', message: 'Only src/ui and src/extension.ts may import vscode.' }] }],
    },
  },
  {
    files: ['scripts/**/*.mjs', 'eslint.config.mjs'],
    languageOptions: { globals: { console: 'readonly', process: 'readonly', setInterval: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' } },
  },
);
