/**
 * Snapshots under SIGKILL: repo-update killed before each filesystem step of its snapshot phase (snapshot assembly,
 * pointer moves, record), snapshot-promote killed before each of its steps, and snapshot-purge killed before each of
 * its steps. After every kill each pointer names a complete, signed snapshot: real pacman (SigLevel Required)
 * syncs from the pointer and downloads every package it lists, verifying checksums and signatures. The next run
 * completes the work.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Step } from '../../support/kill-shim.js';
import { createPacmanRoot, type PacmanClient } from '../../support/pacman-client.js';
import { ARCHITECTURE, INCOMING, KILL_TEST_TIMEOUT_MS, REPO_UPDATE, REPOSITORY, type Repository, useRepository, writeArchives } from './support.js';

const snapshotsOf = (repository: Repository): string => path.join(repository.root, 'snapshots', REPOSITORY, ARCHITECTURE);

async function pointers(repository: Repository): Promise<Map<string, string>> {
  const directory = snapshotsOf(repository);
  const names = (await fs.readdir(directory)).filter((name) => /^[a-z]+$/.test(name));
  return new Map(await Promise.all(names.map(async (name) => [name, await fs.readlink(path.join(directory, name))] as [string, string])));
}

/** Publishes one more version of ki-b through package-add and repo-update (a new snapshot). */
async function publishVersion(repository: Repository, version: string): Promise<void> {
  await repository.expectCli(['package-add', await writeArchives(path.join(repository.directory, `ki-b-${version}`), [{ name: 'ki-b', version }])]);
  await repository.expectCli(REPO_UPDATE);
}

const clients = new Map<string, PacmanClient>();

/** Problems of the snapshot a pointer names, as real pacman finds them. */
async function pointerProblems(repository: Repository, pointer: string): Promise<string[]> {
  let client = clients.get(pointer);
  if (!client) {
    client = await createPacmanRoot({ repositories: [{ name: REPOSITORY, server: `file://${path.join(snapshotsOf(repository), pointer)}` }], keys: [repository.key.armoredPublic] });
    clients.set(pointer, client);
  }
  await fs.rm(client.cacheDirectory, { recursive: true, force: true });
  await fs.mkdir(client.cacheDirectory, { recursive: true });
  const sync = await client.run(['-Syy', '--noprogressbar']);
  if (sync.code !== 0) return [`${pointer}: pacman -Syy failed: ${sync.stderr.trim().split('\n').join(' | ')}`];
  const names = (await client.run(['-Slq', REPOSITORY])).stdout.split('\n').filter(Boolean);
  if (names.length === 0) return [`${pointer}: lists no package`];
  const download = await client.run(['-Sw', '--noconfirm', '--noprogressbar', ...names]);
  return download.code === 0 ? [] : [`${pointer}: pacman -Sw failed: ${download.stderr.trim().split('\n').join(' | ')}`];
}

async function allPointerProblems(repository: Repository): Promise<string[]> {
  const found = await pointers(repository);
  const problems = (await Promise.all([...found.keys()].map((pointer) => pointerProblems(repository, pointer)))).flat();
  for (const expected of ['current', 'consistent', 'stable']) if (!found.has(expected)) problems.push(`pointer ${expected} is gone`);
  return problems;
}

interface KillFindings {
  kills: number;
  problems: string[];
}

/** Kills `command` before each of `steps` (restoring the repository first), checks every pointer, then reruns. */
async function killAt(repository: Repository, command: readonly string[], steps: readonly Step[], rerun: () => Promise<string[]>): Promise<KillFindings> {
  const findings: KillFindings = { kills: 0, problems: [] };
  for (const step of steps) {
    await repository.restore();
    const { killed } = await repository.runKilled(command, { at: step.number });
    if (killed) findings.kills += 1;
    const where = `killed before step ${step.number} (${step.op} ${step.path.replace(repository.root, '')})`;
    for (const problem of await allPointerProblems(repository)) findings.problems.push(`${where}: ${problem}`);
    for (const problem of await rerun()) findings.problems.push(`${where}, after the rerun: ${problem}`);
  }
  return findings;
}

describe('snapshots killed at every step', () => {
  let first: string;
  let second: string;
  let third: string;
  const repository = useRepository(async (prepared) => {
    await fs.appendFile(prepared.configuration, '\n[snapshots]\nenabled = yes\nkeep = 10\npointers = stable\n');
    await publishVersion(prepared, '1.1-1');
    first = (await pointers(prepared)).get('current')!;
    await prepared.expectCli(['snapshot-promote', first, 'stable']);
    await publishVersion(prepared, '1.2-1');
    second = (await pointers(prepared)).get('current')!;
    await publishVersion(prepared, '1.3-1');
    third = (await pointers(prepared)).get('current')!;
    await prepared.expectCli(['package-add', await writeArchives(path.join(prepared.directory, 'incoming'), INCOMING)]);
  });

  /** After a completed publish, current and consistent name the snapshot of the served database (the sha256 of the same bytes). */
  async function pointersFollowServed(): Promise<string[]> {
    const after = await pointers(repository());
    const digest = async (file: string): Promise<string> => createHash('sha256').update(await fs.readFile(file)).digest('hex');
    const served = await digest(path.join(repository().served, `${REPOSITORY}.db.tar.gz`));
    const problems: string[] = [];
    for (const pointer of ['current', 'consistent']) {
      const id = after.get(pointer);
      if (id === undefined || id === third) problems.push(`${pointer} did not move (${id ?? 'none'})`);
      else if ((await digest(path.join(snapshotsOf(repository()), id, `${REPOSITORY}.db.tar.gz`))) !== served || !served.startsWith(id)) problems.push(`${pointer} (${id}) is not the served database`);
    }
    const listed = (await repository().expectCli(['snapshot-list', '--json'])).stdout;
    if (!listed.includes(`"id": "${after.get('current')}"`)) problems.push(`${after.get('current')} has no record`);
    return problems;
  }

  it('repo-update: every pointer names a complete signed snapshot, and the rerun moves current and consistent', { timeout: KILL_TEST_TIMEOUT_MS }, async () => {
    const steps = (await (async () => {
      await repository().restore();
      return repository().countSteps(REPO_UPDATE);
    })()).filter((step) => step.path.includes(`/snapshots/${REPOSITORY}/`));
    expect(steps.length).toBeGreaterThan(3);
    expect(await pointersFollowServed()).toEqual([]);
    const findings = await killAt(repository(), REPO_UPDATE, steps, async () => {
      await repository().cli(REPO_UPDATE);
      return pointersFollowServed();
    });
    console.info(`repo-update snapshot phase: ${steps.length} steps, ${findings.kills} kills`);
    expect(findings.problems).toEqual([]);
    expect(findings.kills).toBe(steps.length);
  });

  it('snapshot-promote: stable names the old or the new snapshot, complete and signed', { timeout: KILL_TEST_TIMEOUT_MS }, async () => {
    const command = ['snapshot-promote', second, 'stable'];
    await repository().restore();
    const steps = (await repository().countSteps(command)).filter((step) => step.path.includes('/snapshots/'));
    expect(steps.length).toBeGreaterThan(0);
    const findings = await killAt(repository(), command, steps, async () => {
      await repository().cli(command);
      return (await pointers(repository())).get('stable') === second ? [] : ['stable did not move'];
    });
    expect(findings.problems).toEqual([]);
    expect(findings.kills).toBe(steps.length);
  });

  it('snapshot-purge: pointed snapshots stay whole; the rerun removes the unpointed one and its own archive', { timeout: KILL_TEST_TIMEOUT_MS }, async () => {
    const command = ['snapshot-purge', '--keep', '0'];
    await repository().restore();
    const only = await fs.realpath(path.join(snapshotsOf(repository()), second, 'ki-b-1.2-1-any.pkg.tar.zst'));
    const steps = await repository().countSteps(command);
    expect(steps.length).toBeGreaterThan(3);
    const findings = await killAt(repository(), command, steps, async () => {
      await repository().cli(command);
      const left = (await fs.readdir(snapshotsOf(repository()))).filter((name) => name !== 'current' && name !== 'consistent' && name !== 'stable');
      const problems = left.sort().join(' ') === [first, third].sort().join(' ') ? [] : [`left ${left.join(' ')}`];
      if (await fs.stat(only).catch(() => undefined)) problems.push(`${only} is still in the pool`);
      return problems;
    });
    console.info(`snapshot-purge: ${steps.length} steps, ${findings.kills} kills`);
    expect(findings.problems).toEqual([]);
    expect(findings.kills).toBe(steps.length);
    await Promise.all([...clients.values()].map((client) => client.cleanup()));
  });
});
