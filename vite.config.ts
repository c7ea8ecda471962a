import react from '@vitejs/plugin-react';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };

/**
 * The renderer: one build serves both the Electron kiosk (app://kiosk/) and the web kiosk. Paths are
 * relative-free absolute ("/"), which both origins resolve the same way.
 */
const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  root: here('./src/ui'),
  publicDir: here('./assets/public'),
  base: '/',
  define: { __APP_VERSION__: JSON.stringify(pkg.version) },
  // The PDF chunk (pdf-lib, fontkit, QR encoder, ~1.5 MB) loads after the first screen, off the start path.
  build: { outDir: here('./dist'), emptyOutDir: true, sourcemap: true, target: 'es2022', assetsInlineLimit: 0, chunkSizeWarningLimit: 1600 },
  plugins: [
    react(),
    VitePWA({
      // The app registers the worker itself (workbox-window) and applies updates only when idle.
      injectRegister: false,
      registerType: 'prompt',
      manifest: {
        name: 'Kiosk Trung tâm Phục vụ hành chính công Hà Nội',
        short_name: 'HPASC Kiosk',
        lang: 'vi',
        display: 'fullscreen',
        background_color: '#f4f6f9',
        theme_color: '#a3141b',
        icons: [{ src: '/icon.svg', sizes: 'any', type: 'image/svg+xml' }],
      },
      workbox: {
        // wasm: the QR engine (zxing-wasm); mjs: pdf.js's worker; opus: the display board's voice
        // clips (assets/voice/vi) — all must work offline.
        globPatterns: ['**/*.{js,mjs,css,html,ttf,svg,png,json,webmanifest,wasm,opus}'],
        navigateFallback: '/index.html',
        cleanupOutdatedCaches: true,
        maximumFileSizeToCacheInBytes: 5 * 1024 * 1024,
        // The first service worker takes the open page at once, so chunks it loads later (the QR
        // engine, PDF import) come from the precache even if the network drops before a reload.
        // Updates still wait for an idle kiosk (registerType 'prompt', applied by serviceWorker.ts).
        clientsClaim: true,
      },
    }),
  ],
  worker: { format: 'es' },
  server: { port: 5173, strictPort: false },
  preview: { port: 4173, strictPort: false },
});
