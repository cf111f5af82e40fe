// The console is served by the `console` function under a path that differs
// by stage (`/console/` deployed, `/lambda-url/console/console/` locally), so
// every asset URL is relative. The page runs under a strict CSP
// (`script-src 'self'; style-src 'self'`): nothing may be inlined, and no
// asset may become a data: URL.
import { defineConfig } from 'vite';

export default defineConfig({
  base: './',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsInlineLimit: 0,
    // The polyfill is an inline script; every browser we support has
    // modulepreload.
    modulePreload: { polyfill: false },
    target: 'es2022',
  },
});
