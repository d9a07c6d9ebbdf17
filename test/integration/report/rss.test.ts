import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTestKeys } from '../../support/keys.js';
import { removeBuildDirectories } from '../../support/makepkg.js';
import { chromiumDom, LINK_PATH, publishedRepository, runReportTrigger, type Sandbox, triggerContext } from './support.js';

const RFC_2822 = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d \+0000$/;

interface FeedItem {
  title: string;
  link: string;
  pubDate: string;
  guid: string;
}

function tagText(xml: string, tag: string): string | undefined {
  return new RegExp(`<${tag}\\b[^>]*>([^<]*)</${tag}>`).exec(xml)?.[1];
}

function items(feed: string): FeedItem[] {
  return [...feed.matchAll(/<item>([\s\S]*?)<\/item>/g)].map(([, item]) => ({
    title: tagText(item!, 'title')!,
    link: tagText(item!, 'link')!,
    pubDate: tagText(item!, 'pubDate')!,
    guid: tagText(item!, 'guid')!,
  }));
}

describe('rss report', () => {
  let sandbox: Sandbox;
  let feedFile: string;

  beforeAll(async () => {
    sandbox = await publishedRepository();
    feedFile = path.join(sandbox.output, 'rss.xml');
    // later runs, after the publish that recorded its own updates: the oldest falls out of the feed, a removed
    // package has no entry
    const context = await triggerContext(sandbox, '');
    try {
      const updates = ['ahr-report-lib', 'ahr-report-tools', 'ahr-report-gone', 'ahr-report-split'];
      const later = Math.floor(Date.now() / 1000) + 60;
      for (const [index, base] of updates.entries()) {
        await context.state.events.eventInsert({ event: 'package-updated', objectId: base, message: null, created: later + index, data: {} });
      }
    } finally {
      await context.close();
    }
  });
  afterAll(async () => {
    await sandbox.cleanup();
    await removeBuildDirectories();
    await removeTestKeys();
  });

  it('lists the packages of the last max_entries updates as a valid RSS 2.0 feed, newest build first', async () => {
    const configuration = ['[report]', 'target = rss', '[rss]', `path = ${feedFile}`, `link_path = ${LINK_PATH}`, 'max_entries = 3'];
    expect(await runReportTrigger(sandbox, configuration.join('\n'))).toBeUndefined();
    const feed = await readFile(feedFile, 'utf8');

    expect(feed.startsWith('<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0">')).toBe(true);
    expect(tagText(feed, 'title')).toBe('demo: Recent package updates');
    expect(tagText(feed, 'lastBuildDate')).toMatch(RFC_2822);

    const expected = sandbox.entries.filter((entry) => ['ahr-report-tools', 'ahr-report-split'].includes(entry.base));
    const found = items(feed);
    expect(found.map((item) => item.title).sort()).toEqual(expected.map((entry) => `${entry.name} ${entry.version} ${entry.architecture}`).sort());
    for (const entry of expected) {
      const item = found.find((candidate) => candidate.title.startsWith(`${entry.name} `))!;
      expect(item.link).toBe(`${LINK_PATH}/${entry.fileName}`);
      expect(item.guid).toBe(`tag:demo:${entry.architecture}:${entry.name}:${entry.version}:${entry.buildDate}`);
      expect(item.pubDate).toMatch(RFC_2822);
      expect(Date.parse(item.pubDate) / 1000).toBe(entry.buildDate);
    }
    const dates = found.map((item) => Date.parse(item.pubDate));
    expect(dates).toEqual([...dates].sort((left, right) => right - left));

    // a real XML parser reads it without complaint (Chromium's, which shows <parsererror> otherwise)
    const parsed = await chromiumDom(feedFile);
    expect(parsed).not.toContain('parsererror');
    expect(parsed).toContain('demo: Recent package updates');
  });

  it('escapes markup of descriptions and keeps every update with max_entries = -1', async () => {
    const configuration = ['[report]', 'target = rss', '[rss]', `path = ${feedFile}`, `link_path = ${LINK_PATH}`];
    expect(await runReportTrigger(sandbox, configuration.join('\n'))).toBeUndefined();
    const feed = await readFile(feedFile, 'utf8');
    expect(items(feed)).toHaveLength(sandbox.entries.length);
    expect(feed).toContain('<description>Tools for &lt;b&gt;reports&lt;/b&gt; &amp; &quot;quoted&quot; &#39;text&#39;</description>');
  });
});
