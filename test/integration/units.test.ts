import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/core/package-root.js';
import { run } from '../../src/core/process.js';
import { CLI } from '../support/cli.js';

const UNITS = path.join(packageRoot(), 'units');
const hasSystemdAnalyze = (await run('systemd-analyze', ['--version'], { allowFailure: true }).catch(() => ({ code: 1 }))).code === 0;

describe('systemd units', () => {
  it('run repo-update for the instance repository daily, as user ahriman', () => {
    const service = readFileSync(path.join(UNITS, 'ahriman@.service'), 'utf8');
    expect(service).toContain('ExecStart=/usr/bin/ahriman --repository-id "%I" repo-update --refresh');
    expect(service).toMatch(/^User=ahriman$/m);
    expect(service).toMatch(/^PrivateTmp=yes$/m);
    expect(service).toMatch(/^ProtectSystem=full$/m);
    const timer = readFileSync(path.join(UNITS, 'ahriman@.timer'), 'utf8');
    expect(timer).toMatch(/^OnCalendar=daily$/m);
    expect(timer).toMatch(/^RandomizedDelaySec=\d+$/m);
  });

  it('run the web service with reload, and the daemon of an instance repository', () => {
    const web = readFileSync(path.join(UNITS, 'ahriman-web.service'), 'utf8');
    expect(web).toMatch(/^ExecStart=\/usr\/bin\/ahriman web$/m);
    expect(web).toMatch(/^ExecReload=\/usr\/bin\/ahriman web-reload$/m);
    const daemon = readFileSync(path.join(UNITS, 'ahriman-daemon@.service'), 'utf8');
    expect(daemon).toContain('ExecStart=/usr/bin/ahriman --repository-id "%I" repo-daemon --refresh');
    expect(daemon).toMatch(/^User=ahriman$/m);
  });

  it('run a distributed build worker per instance repository, restarted when it fails', () => {
    const worker = readFileSync(path.join(UNITS, 'ahriman-worker@.service'), 'utf8');
    expect(worker).toContain('ExecStart=/usr/bin/ahriman --repository-id "%I" repo-worker');
    expect(worker).toMatch(/^Restart=on-failure$/m);
    expect(worker).toMatch(/^User=ahriman$/m);
  });

  it.skipIf(!hasSystemdAnalyze)('pass systemd-analyze verify without a single warning', async () => {
    const directory = mkdtempSync(path.join(os.tmpdir(), 'ahriman-units-'));
    const instances: Record<string, string> = {
      'ahriman@.service': 'ahriman@x86_64-demo.service',
      'ahriman@.timer': 'ahriman@x86_64-demo.timer',
      'ahriman-web.service': 'ahriman-web.service',
      'ahriman-daemon@.service': 'ahriman-daemon@x86_64-demo.service',
      'ahriman-worker@.service': 'ahriman-worker@x86_64-demo.service',
    };
    for (const [unit, instance] of Object.entries(instances)) {
      copyFileSync(path.join(UNITS, unit), path.join(directory, instance));
      const text = readFileSync(path.join(directory, instance), 'utf8');
      // verify checks that ExecStart exists: point it at the built CLI instead of the installed path
      writeFileSync(path.join(directory, instance), text.replaceAll('/usr/bin/ahriman', `${process.execPath} ${CLI}`));
    }
    const result = await run('systemd-analyze', ['verify', ...Object.values(instances).map((unit) => path.join(directory, unit))], {
      allowFailure: true,
    });
    expect(result.stderr.split('\n').filter((line) => line.includes(directory))).toEqual([]);
    expect(result.code).toBe(0);
  });
});
