// @ts-check
import js from '@eslint/js';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';
import jsxA11y from 'eslint-plugin-jsx-a11y-x';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * Module boundaries (STYLE.md) are enforced here, not in review:
 *  - which src/ folder may import which (import-x/no-restricted-paths zones);
 *  - which third-party libraries are allowed only in one module (no-restricted-imports);
 *  - domain code gets no clock, randomness or DOM (time and I/O come in as parameters);
 *  - only src/platform reads the preload bridge; screens read the time from the app, not the system clock.
 */
const MODULES = ['shared', 'domain', 'storage', 'sync', 'scan', 'print', 'platform', 'app', 'ui', 'server'];
const MAY_IMPORT = {
  shared: [],
  domain: ['shared'],
  storage: ['shared', 'domain'],
  sync: ['shared', 'domain', 'storage'],
  scan: ['shared', 'domain'],
  print: ['shared', 'domain'],
  platform: ['shared'],
  app: ['shared', 'domain', 'storage', 'sync', 'scan', 'print', 'platform'],
  ui: ['app', 'domain', 'shared'],
  server: ['shared', 'domain'],
};

const zones = [
  ...MODULES.map((mod) => ({
    target: `./src/${mod}`,
    from: [...MODULES.filter((m) => m !== mod && !MAY_IMPORT[mod].includes(m)).map((m) => `./src/${m}`), './electron'],
    message: `src/${mod} may import only: ${MAY_IMPORT[mod].join(', ') || 'nothing from src/'} (STYLE.md boundaries)`,
  })),
  {
    target: './electron',
    from: MODULES.filter((m) => m !== 'shared').map((m) => `./src/${m}`),
    message: 'electron/ may import only src/shared (STYLE.md boundaries)',
  },
];

/** Third-party packages allowed only inside one module. */
const ONLY_IN = [
  { pkg: ['dexie', 'dexie/*'], home: 'src/storage' },
  { pkg: ['tus-js-client'], home: 'src/sync' },
  { pkg: ['@zxing/*', 'zxing-wasm', 'zxing-wasm/*'], home: 'src/scan|src/print' },
  { pkg: ['pdf-lib', '@pdf-lib/*'], home: 'src/scan|src/print' },
  { pkg: ['pdfjs-dist', 'pdfjs-dist/*'], home: 'src/scan' },
  { pkg: ['react', 'react-dom', 'react-dom/*', 'react-i18next', 'simple-keyboard', 'simple-keyboard/*'], home: 'src/ui' },
  { pkg: ['zod', 'zod/*'], home: 'src/shared' },
  { pkg: ['electron'], home: 'electron' },
];

const restrictedFor = (home) =>
  ONLY_IN.filter((r) => !r.home.split('|').includes(home)).map((r) => ({
    group: r.pkg,
    message: `only ${r.home.replace('|', ' and ')} may import ${r.pkg[0]} (STYLE.md boundaries)`,
  }));

/**
 * Only src/platform reads the preload bridge (`window.kiosk`, STYLE.md): every other module reaches
 * Electron through the Platform port, which has a browser adapter and a fake beside it. Casts
 * (`(window as X).kiosk`), `window['kiosk']`, destructuring and the shared BRIDGE_GLOBAL name count.
 */
const BRIDGE_MESSAGE = 'only src/platform reads the preload bridge (window.kiosk): go through the Platform port';
/** `window`, `globalThis` or `self`, bare or behind up to two TypeScript casts. */
const globalObjectAt = (path) =>
  `:matches(${['', '.expression', '.expression.expression'].map((cast) => `[${path}${cast}.name=/^(window|globalThis|self)$/]`).join(', ')})`;
const BRIDGE_READS = [
  {
    selector: `MemberExpression:matches([property.name='kiosk'], [property.value='kiosk'], [property.expression.value='kiosk'])${globalObjectAt('object')}`,
    message: BRIDGE_MESSAGE,
  },
  { selector: `VariableDeclarator${globalObjectAt('init')} > ObjectPattern > Property[key.name='kiosk']`, message: BRIDGE_MESSAGE },
  { selector: "ImportSpecifier[imported.name='BRIDGE_GLOBAL']", message: BRIDGE_MESSAGE },
];
const BRIDGE_GLOBAL_NAME = { name: 'kiosk', message: BRIDGE_MESSAGE };

/** Screens take the time from the app (`app.now()`, `useNow`): the clock is a port tests control. */
const UI_CLOCK_MESSAGE = 'src/ui reads the time from the app (app.now() or useNow()), never from the system clock';

const homes = ['src/shared', 'src/domain', 'src/storage', 'src/sync', 'src/scan', 'src/print', 'src/platform', 'src/app', 'src/ui', 'src/server', 'electron'];

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'dist-electron/**',
      'release/**',
      'node_modules/**',
      'test-results/**',
      'playwright-report/**',
      '.data/**',
      'bench-results/**',
      '.tmp/**',
      '.stryker-tmp/**',
      'reports/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { 'import-x': importX },
    languageOptions: { ecmaVersion: 2022, sourceType: 'module' },
    // Resolve extensionless TypeScript imports, or the path zones would silently skip them.
    settings: { 'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.tsx', '.js', '.mjs', '.json'] })] },
    rules: {
      'import-x/no-restricted-paths': ['error', { zones }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': ['error', { allow: ['warn', 'error', 'info'] }],
      eqeqeq: ['error', 'always'],
    },
  },
  // Third-party libraries stay in their home module. Tests may use anything.
  ...homes.map((home) => ({
    files: [`${home}/**/*.{ts,tsx}`],
    ignores: ['**/*.test.ts', '**/*.test.tsx'],
    rules: { 'no-restricted-imports': ['error', { patterns: restrictedFor(home) }] },
  })),
  // The PDF engine (pdf-lib, fontkit) and @zxing/library stay out of the start bundle: src/app loads
  // the modules that use them with import() (types are free). The ticket worker is its own bundle.
  {
    files: ['src/app/**/*.ts'],
    ignores: ['**/*.test.ts', 'src/app/ticketPdf.worker.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex:
                '/(print/(ticketPdf|receiptPdf|checklistPdf|qrMatrix|pdf/[^/]+)|scan/pages/(assembleDocumentPdf|importFiles|pdfThumbnail)|scan/qr/zxing[^/]*)$',
              allowTypeImports: true,
              message: 'load it with import() where it is used: it would put the PDF or QR engine back into the start bundle (src/print/README.md)',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/**/*.{ts,tsx}'],
    ignores: ['src/platform/**'],
    rules: {
      'no-restricted-syntax': ['error', ...BRIDGE_READS],
      'no-restricted-globals': ['error', BRIDGE_GLOBAL_NAME],
    },
  },
  {
    files: ['src/ui/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-syntax': ['error', ...BRIDGE_READS, { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: UI_CLOCK_MESSAGE }],
      'no-restricted-properties': ['error', { object: 'Date', property: 'now', message: UI_CLOCK_MESSAGE }],
    },
  },
  {
    files: ['src/domain/**/*.ts', 'src/shared/**/*.ts'],
    ignores: ['**/*.test.ts', 'src/shared/clock.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'take a Clock (src/shared/clock) as a parameter' },
        { object: 'Math', property: 'random', message: 'take RandomBytes as a parameter' },
      ],
      'no-restricted-globals': ['error', 'window', 'document', 'navigator', 'localStorage', 'indexedDB', 'fetch', 'performance', BRIDGE_GLOBAL_NAME],
    },
  },
  // Accessibility of the screens: jsx-a11y's recommended rules (its -x fork, which runs on ESLint
  // 10; the original's peer range stops at 9). autoFocus stays allowed: a dialog moves the focus
  // into itself (WAI-ARIA dialog pattern) and the counter's first field takes it for keyboard-first
  // officers; the citizen screens never autofocus (it would open no keyboard on a touch screen).
  {
    files: ['src/ui/**/*.tsx'],
    ...jsxA11y.configs.recommended,
    languageOptions: { ...jsxA11y.configs.recommended.languageOptions, globals: globals.browser },
    rules: { ...jsxA11y.configs.recommended.rules, 'jsx-a11y-x/no-autofocus': 'off' },
  },
  {
    files: ['src/ui/**/*.tsx'],
    plugins: { 'react-hooks': reactHooks },
    languageOptions: { globals: globals.browser },
    rules: { 'react-hooks/rules-of-hooks': 'error', 'react-hooks/exhaustive-deps': 'error' },
  },
  {
    files: ['src/**/*.{ts,tsx}'],
    ignores: ['src/server/**'],
    languageOptions: { globals: globals.browser },
  },
  {
    files: ['electron/**/*.ts', 'src/server/**/*.ts', 'scripts/**/*.{js,mjs,ts}', 'test/**/*.ts', '*.config.{js,ts}', 'electron/*.config.ts'],
    languageOptions: { globals: globals.node },
    rules: { 'no-console': 'off' },
  },
);
