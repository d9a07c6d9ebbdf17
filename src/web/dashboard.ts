/**
 * The dashboard: its bundled assets (content-hashed names, so cached for a year and never revalidated) under
 * /assets/, and the index page naming them (never cached, so a new build is picked up at once).
 */
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** What `npm run build` (scripts/build-frontend.mjs) writes beside the bundle. */
interface Manifest {
  script: string;
  style: string;
}

export const ASSETS_PREFIX = '/assets/';
/** The bundle built next to this module: dist/web/assets. */
export const DEFAULT_ASSETS_DIRECTORY = path.join(path.dirname(fileURLToPath(import.meta.url)), 'assets');

const HASHED_NAME = /^[\w.-]+-[A-Z0-9]{8}\.(js|css)$/;

async function readManifest(directory: string): Promise<Manifest> {
  const file = path.join(directory, 'manifest.json');
  let manifest: Partial<Manifest>;
  try {
    manifest = JSON.parse(await readFile(file, 'utf8')) as Partial<Manifest>;
  } catch (error) {
    throw new Error(`cannot read the dashboard manifest ${file} (run npm run build): ${(error as Error).message}`, { cause: error });
  }
  if (typeof manifest.script !== 'string' || !HASHED_NAME.test(manifest.script)
    || typeof manifest.style !== 'string' || !HASHED_NAME.test(manifest.style)) {
    throw new Error(`dashboard manifest ${file} does not name a hashed script and stylesheet`);
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

/** Serves the dashboard on `app`: `/` and `/index.html`, and the bundle under /assets/. */
export async function registerDashboard(app: FastifyInstance, directory = DEFAULT_ASSETS_DIRECTORY): Promise<void> {
  const manifest = await readManifest(directory);
  const page = indexPage(manifest);
  await app.register(fastifyStatic, {
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
  for (const url of ['/', '/index.html']) {
    app.get(url, (_request, reply) =>
      reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(page));
  }
}
