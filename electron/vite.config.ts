import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, defineConfig, type InlineConfig, type Plugin } from 'vite';

/**
 * Builds the Electron side: dist-electron/main.cjs and dist-electron/preload.cjs (CJS, node20,
 * unminified, with source maps). Two separate builds, because a sandboxed preload can require
 * nothing but 'electron': a shared chunk between the two entries would break it. The second
 * build runs from the first one's closeBundle hook so `vite build -c electron/vite.config.ts`
 * produces both. Only dist-electron/ is emptied; the renderer's dist/ is never touched.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(root, 'dist-electron');

const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
function isExternal(id: string): boolean {
  return id === 'electron' || id.startsWith('electron/') || builtins.has(id) || id.startsWith('node:') || id === 'pdf-to-printer';
}

function entryConfig(name: 'main' | 'preload', emptyOutDir: boolean, plugins: Plugin[]): InlineConfig {
  return {
    configFile: false,
    root,
    publicDir: false,
    logLevel: 'warn',
    plugins,
    resolve: { conditions: ['node'], mainFields: ['module', 'main'] },
    build: {
      outDir,
      emptyOutDir,
      target: 'node20',
      minify: false,
      sourcemap: true,
      reportCompressedSize: false,
      copyPublicDir: false,
      lib: {
        entry: path.join(root, 'electron', `${name}.ts`),
        formats: ['cjs'],
        fileName: () => `${name}.cjs`,
      },
      rolldownOptions: {
        external: isExternal,
        output: { codeSplitting: false },
      },
    },
  };
}

const buildPreloadAfterMain: Plugin = {
  name: 'hpasc:build-preload',
  apply: 'build',
  async closeBundle() {
    await build(entryConfig('preload', false, []));
  },
};

export default defineConfig(entryConfig('main', true, [buildPreloadAfterMain]));
