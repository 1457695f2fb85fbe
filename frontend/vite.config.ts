import { defineConfig } from 'vite';

/**
 * The dashboard builds to static files (frontend/dist) that the local stack serves and CDK uploads.
 * Content-hashed files go under `assets/` (CloudFront caches them for a year); the API and WebSocket
 * URLs are read from /config.json at run time, never baked in. `npm run dev:frontend` proxies to a
 * running `npm start` for quick edits.
 */
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2022',
    rolldownOptions: {
      // React Query marks its modules "use client" for server-component bundlers; meaningless in a SPA.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
  server: {
    port: 5173,
    proxy: {
      '/v1': 'http://localhost:3000',
      // Keep the browser's Host: the local gateway answers config.json for the page's own origin (this one).
      '/config.json': { target: 'http://localhost:3000', changeOrigin: false },
      '/ws': { target: 'ws://localhost:3000', ws: true },
    },
  },
});
