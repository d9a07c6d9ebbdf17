import { describe, expect, it } from 'vitest';
import { describeQueue, redisOptions } from '../../../src/core/distributed/connection.js';
import { buildJobSchema, buildOutcomeSchema, jobId, parsePayload } from '../../../src/core/distributed/job.js';
import { InvalidInputError } from '../../../src/core/errors.js';

const job = {
  repository: { architecture: 'x86_64', name: 'aur' },
  run: '6473b0dc-3023-43a1-8e7b-c2cf3436a8fb',
  base: 'foo',
  version: '1:2.0-1',
  packages: ['foo', 'foo-doc'],
  packager: 'A <a@example.com>',
  remote: { source: 'aur', gitUrl: 'https://aur.archlinux.org/foo.git', webUrl: null, path: null, branch: 'master' },
  patches: [{ key: 'pkgrel', value: '2' }],
} as const;

describe('build job payloads', () => {
  it('accepts a well-formed job and derives one id per repository, base, version and run', () => {
    expect(parsePayload(buildJobSchema, job, 'job')).toEqual({ ...job, staged: false }); // a job of an older coordinator stages nothing
    expect(jobId(job)).toBe('aur/x86_64/foo/1%3A2.0-1/6473b0dc-3023-43a1-8e7b-c2cf3436a8fb');
    expect(jobId({ ...job, version: '1:2.0-2' })).not.toBe(jobId(job));
  });

  it.each([
    [{ ...job, base: 'foo; rm -rf /' }, 'invalid job: base: not a valid package name'],
    [{ ...job, version: '$(reboot)' }, 'invalid job: version: not a valid [epoch:]pkgver-pkgrel'],
    [{ ...job, remote: { ...job.remote, gitUrl: 'ext::sh -c touch% /tmp/pwned' } }, 'invalid job: remote.gitUrl: expected an http(s), git, ssh or file URL'],
    [{ ...job, remote: { ...job.remote, branch: '--upload-pack=touch' } }, 'invalid job: remote.branch: not a valid branch name'],
    [{ ...job, patches: [{ key: 'x=1; id', value: '' }] }, 'invalid job: patches.0.key: not a PKGBUILD variable'],
    [{ ...job, packager: 'A\npkgname = evil' }, 'invalid job: packager: control characters are not allowed'],
    [{ ...job, run: '../../etc' }, 'invalid job: run: Invalid UUID'],
  ])('refuses a job with a bad field (%#)', (payload, message) => {
    expect(() => parsePayload(buildJobSchema, payload, 'job')).toThrow(new InvalidInputError(message));
  });

  it('refuses an outcome naming a path instead of a package file, or without a sha256', () => {
    const archive = { file: 'foo-1:2.0-1-x86_64.pkg.tar.zst', name: 'foo', version: '1:2.0-1', architecture: 'x86_64', sha256: 'a'.repeat(64) };
    expect(parsePayload(buildOutcomeSchema, { worker: 'w', duration: 1, archives: [archive] }, 'outcome').archives).toHaveLength(1);
    expect(() => parsePayload(buildOutcomeSchema, { worker: 'w', duration: 1, archives: [{ ...archive, file: '../foo-1:2.0-1-x86_64.pkg.tar.zst' }] }, 'outcome')).toThrow(
      'invalid outcome: archives.0.file: not a package file name',
    );
    expect(() => parsePayload(buildOutcomeSchema, { worker: 'w', duration: 1, archives: [{ ...archive, sha256: 'abc' }] }, 'outcome')).toThrow('archives.0.sha256: not a sha256 digest');
  });
});

describe('queue connection', () => {
  it('reads host, port, credentials, database and TLS from queue_url, and never shows the password', () => {
    expect(redisOptions('rediss://user:p%40ss@redis.example:6380/2')).toMatchObject({ host: 'redis.example', port: 6380, username: 'user', password: 'p@ss', db: 2, tls: { servername: 'redis.example' } });
    expect(redisOptions('redis://10.0.0.1')).toMatchObject({ host: '10.0.0.1', port: 6379, db: 0 });
    expect(describeQueue('rediss://user:p%40ss@redis.example:6380/2')).toBe('rediss://redis.example:6380/2');
  });
});
