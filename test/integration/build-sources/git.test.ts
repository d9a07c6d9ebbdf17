import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GitError, cloneBranch, git } from '../../../src/core/git/git.js';
import { configureLogging } from '../../../src/core/log/logger.js';
import { freePort } from '../../support/ports.js';

const NO_PAUSE = { maxRetries: 2, backoffSeconds: 0 };

let work: string;
let logged: string[];
beforeAll(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'core-git-'));
});
afterAll(() => fs.rm(work, { recursive: true, force: true }));
afterEach(() => configureLogging({ write: (line) => process.stderr.write(`${line}\n`) }));

function captureLogs(): void {
  logged = [];
  configureLogging({ write: (line) => logged.push(line) });
}

async function failure(promise: Promise<unknown>): Promise<GitError> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(GitError);
  return error as GitError;
}

describe('git against a remote', () => {
  it('retries a failed transfer, then fails naming the remote without its credentials', async () => {
    const url = `http://builder:s3cr3t@127.0.0.1:${await freePort()}/repository.git`;
    captureLogs();
    const error = await failure(git(['ls-remote', '--heads', '--', url], { remote: url, retry: NO_PAUSE }));
    expect(error.message).toMatch(/^git ls-remote of http:\/\/\*\*\*@127\.0\.0\.1:\d+\/repository\.git failed: .*(Failed to connect|Connection refused)/s);
    expect(error.message).not.toContain('s3cr3t');
    expect(logged.filter((line) => line.includes('retrying'))).toHaveLength(2);
    expect(logged.join('\n')).not.toContain('s3cr3t');
  });

  it('does not retry what trying again cannot change (a rejected push), and clones shallow', async () => {
    const origin = path.join(work, 'origin.git');
    const clone = path.join(work, 'clone');
    const other = path.join(work, 'other');
    await git(['init', '--quiet', '--bare', '--initial-branch', 'master', origin]);
    for (const directory of [clone, other]) {
      await git(['init', '--quiet', '--initial-branch', 'master', directory]);
      await fs.writeFile(path.join(directory, 'file'), directory);
      await git(['add', 'file'], { cwd: directory });
      await git(['-c', 'user.name=t', '-c', 'user.email=t@localhost', 'commit', '--quiet', '--message', directory], { cwd: directory });
    }
    await git(['push', '--quiet', '--', origin, 'HEAD:refs/heads/master'], { cwd: clone, remote: origin });

    captureLogs();
    const error = await failure(git(['push', '--quiet', '--', origin, 'HEAD:refs/heads/master'], { cwd: other, remote: origin, retry: NO_PAUSE }));
    expect(error.reason).toContain('[rejected]');
    expect(logged.filter((line) => line.includes('retrying'))).toEqual([]);

    await cloneBranch(`file://${origin}`, 'master', path.join(work, 'shallow'));
    expect(await git(['rev-parse', '--is-shallow-repository'], { cwd: path.join(work, 'shallow') })).toBe('true\n');
  });
});

describe('git in a local repository', () => {
  it('names the command and the directory, and keeps what git said', async () => {
    const error = await failure(git(['rev-parse', '--verify', 'HEAD'], { cwd: work }));
    expect(error.message).toMatch(new RegExp(`^git rev-parse in ${work} failed: fatal: not a git repository`));
    expect(error.reason).toMatch(/^fatal: not a git repository/);
  });
});
