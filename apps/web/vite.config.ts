import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { aliases } from '../../vitest.shared.ts';

// The storefront (and later the admin console) as one Vite app. `npm run dev:web` serves it with
// HMR on :5173 and proxies the API to the BFF (BFF_URL, default http://127.0.0.1:3000); `npm start`
// and the BFF serve the production build from apps/web/dist.
const bff = process.env.BFF_URL ?? 'http://127.0.0.1:3000';
const api = ['/trpc', '/payments', '/sandbox', '/media', '/health', '/ready', '/openapi.json', '/docs'];

export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  plugins: [react()],
  resolve: { alias: aliases },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The BFF serves /assets/* with a year-long immutable cache: every file there is content-hashed.
    assetsDir: 'assets',
    reportCompressedSize: true,
    sourcemap: false,
  },
  server: {
    host: '127.0.0.1',
    port: 5173,
    proxy: Object.fromEntries(api.map((p) => [p, { target: bff, changeOrigin: false }])),
  },
});
