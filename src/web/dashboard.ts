/**
 * The dashboard: its bundled assets (content-hashed names, so cached for a year and never revalidated) under
 * /assets/, and the index page naming them (never cached, so a new build is picked up at once).
 */
import fastifyStatic, { type FastifyStaticOptions } from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { getLogger } from '../core/log/logger.js';
import { packageRoot } from '../core/package-root.js';
import { HttpError } from './errors.js';

/** What `npm run build` (scripts/build-frontend.mjs) writes beside the bundle. */
interface Manifest {
  script: string;
  style: string;
}

export const ASSETS_PREFIX = '/assets/';
const INDEX_URLS = ['/', '/index.html'];
const HASHED_NAME = /^[\w.-]+-[A-Z0-9]{8}\.(js|css)$/;
const logger = getLogger('web');

/** Where `npm run build` puts the bundle: dist/web/assets of the package (also when running from the sources). */
export function defaultAssetsDirectory(): string {
  return path.join(packageRoot(), 'dist', 'web', 'assets');
}

/** The manifest of the built bundle, or undefined when nothing was built. */
async function readManifest(directory: string): Promise<Manifest | undefined> {
  const file = path.join(directory, 'manifest.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`cannot read the dashboard manifest ${file}: ${(error as Error).message}`, { cause: error });
  }
  let manifest: Partial<Manifest>;
  try {
    manifest = JSON.parse(text) as Partial<Manifest>;
  } catch (error) {
    throw new Error(`dashboard manifest ${file} is not JSON (rebuild with npm run build)`, { cause: error });
  }
  if (typeof manifest.script !== 'string' || !HASHED_NAME.test(manifest.script)
    || typeof manifest.style !== 'string' || !HASHED_NAME.test(manifest.style)) {
    throw new Error(`dashboard manifest ${file} does not name a hashed script and stylesheet (rebuild with npm run build)`);
  }
  return { script: manifest.script, style: manifest.style };
}

function indexPage(manifest: Manifest): string {
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<title>ahriman</title>',
    `<link rel="stylesheet" href="${ASSETS_PREFIX}${manifest.style}">`,
    `<script type="module" src="${ASSETS_PREFIX}${manifest.script}"></script>`,
    '</head>',
    '<body><div id="app"></div><noscript>The dashboard needs JavaScript; the API is under /api/.</noscript></body>',
    '</html>',
    '',
  ].join('\n');
}

/** Static files open to everyone: @fastify/static takes no per-route config, so its routes are marked in a context of their own. */
export async function serveOpenStatic(app: FastifyInstance, options: FastifyStaticOptions): Promise<void> {
  await app.register(async (scope) => {
    scope.addHook('onRoute', (route) => {
      route.config = { ...route.config, permission: 'unauthorized' };
    });
    await scope.register(fastifyStatic, options);
  });
}

/**
 * Serves the dashboard on `app`: `/` and `/index.html`, and the bundle under /assets/, all open to everyone (the page
 * asks the API for what the visitor may see). Without a built bundle the API still runs and the index page says what
 * is missing (503).
 */
export async function registerDashboard(app: FastifyInstance, directory = defaultAssetsDirectory()): Promise<void> {
  const manifest = await readManifest(directory);
  if (manifest === undefined) {
    logger.warning(`no dashboard bundle in ${directory} (run npm run build): serving the API only`);
    for (const url of INDEX_URLS) {
      app.get(url, { config: { permission: 'unauthorized' } }, async () => {
        throw new HttpError(503, `the dashboard is not built: no ${path.join(directory, 'manifest.json')} (run npm run build)`);
      });
    }
    return;
  }
  const page = indexPage(manifest);
  await serveOpenStatic(app, {
    root: directory,
    prefix: ASSETS_PREFIX,
    // the file names change with their content: a cached copy is never stale
    immutable: true,
    maxAge: '365d',
    index: false,
    // a second @fastify/static instance (the [web] static_path one) must not decorate the reply again
    decorateReply: false,
    allowedPath: (pathName) => HASHED_NAME.test(path.basename(pathName)),
  });
  for (const url of INDEX_URLS) {
    app.get(url, { config: { permission: 'unauthorized' } }, (_request, reply) =>
      reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(page));
  }
}
