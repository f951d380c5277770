import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'data/', 'coverage/', 'web/dist/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-console': 'off',
    },
  },
  {
    // Layers: the HTTP side reaches data only through actions (api → actions → store).
    files: ['src/api/**', 'src/http/**', 'src/pages/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/store/*', '**/store/**'], message: 'HTTP code calls actions; only actions use the store.' }] }],
    },
  },
  {
    // The store knows rows and SQL, never the rules or the wire above it.
    files: ['src/store/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/actions/*', '**/api/*', '**/http/*', '**/pages/*'], message: 'The store must not depend on the layers above it.' }] },
      ],
    },
  },
)
