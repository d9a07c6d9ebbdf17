import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'demo/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: Object.fromEntries(
        [
          'process', 'console', 'Buffer', 'URL', 'URLSearchParams', 'AbortSignal', 'fetch', 'performance', 'setTimeout',
          'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'TextEncoder', 'TextDecoder', 'structuredClone',
        ].map((name) => [name, 'readonly']),
      ),
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
);
