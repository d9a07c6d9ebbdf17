import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { lookupUser, run } from '../../../src/core/process.js';

describe('lookupUser', () => {
  it('finds an account of /etc/passwd as getent reports it', async () => {
    const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((entry) => entry.startsWith('root:'))!;
    const fields = line.split(':');
    expect(await lookupUser('root')).toEqual({ name: 'root', uid: Number(fields[2]), gid: Number(fields[3]), home: fields[5] });
    const reported = (await run('getent', ['passwd', 'root'])).stdout.trim().split(':');
    expect((await lookupUser('root')).uid).toBe(Number(reported[2]));
  });

  it('does not take a name that is only the start of another account', async () => {
    await expect(lookupUser('roo')).rejects.toThrow("unknown user 'roo'");
  });

  it('names an account that exists nowhere', async () => {
    await expect(lookupUser('no-such-user-here')).rejects.toThrow("unknown user 'no-such-user-here'");
  });
});
