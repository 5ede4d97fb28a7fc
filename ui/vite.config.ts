import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// Tauri loads the dev server from a fixed address (tauri.conf.json devUrl,
// http://localhost:1420) and ui/dist in release builds; both run under the app's strict CSP,
// so nothing here inlines scripts, styles or assets.
export default defineConfig({
  plugins: [svelte()],
  clearScreen: false,
  server: {
    port: 1420,
    strictPort: true,
    watch: { ignored: ['**/src-tauri/**', '**/target/**'] },
  },
  preview: { port: 1420, strictPort: true },
  envPrefix: ['VITE_', 'TAURI_ENV_'],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // WebKitGTK 2.40+ / WebView2 / Safari 16+: all run ES2022.
    target: 'es2022',
    // Never inline assets as data: URLs; the CSP allows 'self' only.
    assetsInlineLimit: 0,
    sourcemap: false,
    // Two pages: the window, and the quick access palette with its own small script.
    rollupOptions: {
      input: {
        main: 'index.html',
        palette: 'palette.html',
      },
    },
  },
});
