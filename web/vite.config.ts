import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Built with `vite build web` (the project's `npm run build`); `npm run dev:web` serves it with hot reload
// and sends /api to a Tmomi started with `npm run dev` on port 3000.
export default defineConfig({
  plugins: [react()],
  // The contract shared with the server (schemas, error catalog, layout, bitset): see src/contract.
  resolve: { alias: { '@tmomi/contract': fileURLToPath(new URL('../src/contract', import.meta.url)) } },
  build: { outDir: 'dist', emptyOutDir: true },
  server: { proxy: { '/api': 'http://localhost:3000' } },
});
