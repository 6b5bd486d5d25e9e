import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { App } from '../platform/http.js';

/** `web/dist` of this checkout, whether we run from `src/` (tsx) or from the build in `dist/`. */
export const WEB_DIST = fileURLToPath(new URL('../../web/dist/', import.meta.url));

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Tmomi</title>
<p>The Tmomi API is running, but the web app has not been built. Run <code>npm run build</code> (or
<code>npm start</code>, which builds first) and reload.</p>`;

/** API paths never fall back to the app: a typo in an API call must stay a JSON 404, not HTML. */
const isApi = (url: string) => url === '/api' || url.startsWith('/api/') || url.startsWith('/api?');
/**
 * The server's own pages that may be switched off (the metrics, the API docs): when off, a JSON 404,
 * not the app, so that nobody mistakes the app's page for them and a scanner learns nothing.
 */
const isServerPage = (url: string) => /^\/(?:metrics|docs)(?:[/?]|$)/.test(url);
/** A missing file (an old hashed asset, say) is a 404 too; the app's own routes have no dots. */
const looksLikeFile = (url: string) => /\.[a-z0-9]+$/i.test(url.split('?')[0]!);

/**
 * Serves the built web app (`web/dist`) at `/`, with index.html for every other non-API GET so that the
 * app's own routes (/events/7, /orders …) survive a reload. Without a build the API still starts and
 * `/` says what to do.
 */
export async function webRoutes(app: App, root: string): Promise<void> {
  const built = existsSync(join(root, 'index.html'));
  if (!built) {
    app.log.warn({ root }, 'the web app is not built (npm run build); serving the API only');
  } else {
    await app.register(fastifyStatic, {
      root,
      // One route per built file, read once at boot: a wildcard route would swallow the SPA fallback.
      wildcard: false,
      index: false,
      dotfiles: 'ignore',
      cacheControl: false,
      // Vite puts a content hash in every name under assets/, so those never change; the rest may.
      setHeaders: (reply, path) => {
        void reply.header(
          'cache-control',
          path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
        );
      },
    });
  }
  app.get('/*', { schema: { hide: true } }, async (req, reply) => {
    if (isApi(req.url) || isServerPage(req.url) || looksLikeFile(req.url)) return reply.callNotFound();
    if (!built) return reply.code(503).type('text/html; charset=utf-8').send(NOT_BUILT);
    return reply.sendFile('index.html');
  });
}
