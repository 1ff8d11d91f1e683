// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'native/**', 'docs/api/**'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['bin/tsns', 'scripts/*.js', 'examples/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', process: 'readonly', __dirname: 'readonly', Buffer: 'readonly', console: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The library neither prints nor exits: what it has to say is a return value or an error, and the
    // process belongs to the application that loaded it. Only the command line (src/cli) may.
    files: ['src/**/*.ts'],
    ignores: ['src/cli/**'],
    rules: {
      'no-console': 'error',
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'exit', message: 'library code does not exit: throw a TsnsError (src/cli decides the exit status)' },
        { object: 'process', property: 'abort', message: 'library code does not exit: throw a TsnsError' },
        { object: 'process', property: 'stdout', message: 'library code does not print: return the text, or let src/cli print it' },
        { object: 'process', property: 'stderr', message: 'library code does not print: throw a TsnsError, or give the caller a hook' },
      ],
      'no-restricted-imports': [
        'error',
        ...['process', 'node:process'].map((name) => ({
          name,
          importNames: ['exit', 'abort', 'stdout', 'stderr'],
          message: 'library code neither prints nor exits (src/cli does)',
        })),
      ],
    },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', caughtErrors: 'none' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
);
