import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fidelityDoc } from './scripts/vite-fidelity.js';

export default defineConfig({
  // Relative asset URLs: the built app works from any path (a sub-path, an iframe), and fetches its
  // guest files beside the page (src/ui/lib/scenarios.ts guestFolder).
  base: './',
  plugins: [react(), fidelityDoc()],
  server: { host: '127.0.0.1' },
  worker: { format: 'es' },
  // Never inline assets as data: URLs: the CSP (default-src 'self') only lets the app fetch its own origin.
  build: { target: 'es2022', assetsInlineLimit: 0 },
});
