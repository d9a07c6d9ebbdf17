import { afterEach, describe, expect, it } from 'vitest';
import { RepositoryState } from '../../../src/core/repository/state.js';
import { LocalStatusClient } from '../../../src/core/status/local-client.js';
import { StatusService } from '../../../src/core/status/service.js';
import type { Event } from '../../../src/models/event.js';
import { RepositoryId } from '../../../src/models/repository-id.js';
import { cleanUp, openTemporaryDatabase, packageRecord } from '../database/support.js';

afterEach(cleanUp);

async function service(): Promise<{ status: StatusService; state: RepositoryState; heard: Event[] }> {
  const state = new RepositoryState(await openTemporaryDatabase(), new RepositoryId('x86_64', 'aur'));
  const heard: Event[] = [];
  const status = new StatusService(new LocalStatusClient(state, (event) => heard.push(event)));
  for (const base of ['alpha', 'beta']) await state.packages.upsertPackage(packageRecord(base, '1.0-1'));
  return { status, state, heard };
}

describe('StatusService', () => {
  it('sets statuses with one audit event each, and tells the listener after the batch commits', async () => {
    const { status, state, heard } = await service();
    await status.setStatus(['beta', 'alpha'], 'failed');
    const statuses = (await state.packages.listPackages()).map((entry) => [entry.package.base, entry.status.status]);
    expect(statuses).toEqual([['alpha', 'failed'], ['beta', 'failed']]);
    const events = await state.events.eventList({ event: 'package-status-changed' });
    expect(events.map((event) => [event.objectId, event.data])).toEqual([
      ['beta', { status: 'failed', version: '1.0-1' }],
      ['alpha', { status: 'failed', version: '1.0-1' }],
    ]);
    expect(heard.map((event) => event.objectId)).toEqual(['beta', 'alpha']);
  });

  it('rejects unknown bases all at once and changes nothing', async () => {
    const { status, state, heard } = await service();
    await expect(status.setHeld(['alpha', 'nope', 'gone'], true)).rejects.toThrow("unknown package bases 'nope', 'gone' in repository x86_64-aur");
    await expect(status.setStatus(['../etc'], 'failed')).rejects.toThrow(/package base/);
    expect((await state.packages.listPackages()).some((entry) => entry.status.isHeld)).toBe(false);
    expect(await state.events.eventList()).toEqual([]);
    expect(heard).toEqual([]);
  });

  it('announces nothing from a batch that rolls back', async () => {
    const { status, heard } = await service();
    await expect(
      status.client.batch(async () => {
        await status.event('package-outdated', 'alpha', 'new version');
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(heard).toEqual([]);
    expect(await status.client.events()).toEqual([]);
  });

  it('records durations, forgets bases with their logs and queued builds (one event each), and reports the service status', async () => {
    const { status, state } = await service();
    await status.event('package-updated', 'alpha', 'built', { data: { version: '1.0-1' }, duration: 12.5 });
    await status.client.logsAdd([{ packageBase: 'alpha', version: '1.0-1', processId: 'p', created: 1, message: 'line' }]);
    await state.queue.queueInsert(packageRecord('alpha', '1.1-1'));
    await status.forget(['alpha']);
    await status.removed('beta');
    expect(await state.packages.listPackages()).toEqual([]);
    expect(await state.logs.logsGet('alpha')).toEqual([]);
    expect(await state.queue.queueList()).toEqual([]);
    const events = await status.client.events();
    expect(events.map((event) => [event.event, event.objectId, event.data])).toEqual([
      ['package-updated', 'alpha', { version: '1.0-1', took: 12.5 }],
      ['package-removed', 'alpha', {}],
      ['package-removed', 'beta', {}],
    ]);
    expect((await status.serviceStatus()).status).toBe('unknown');
    await status.setServiceStatus('building');
    expect((await status.serviceStatus()).status).toBe('building');
  });

  it('records one event per step of a remote build: the status change itself says where, for the version built', async () => {
    const { status, state, heard } = await service();
    await status.remoteStep('alpha', '1.1-1', 'pending', 'queued on build-x86_64', { queue: 'build-x86_64' });
    await status.remoteStep('alpha', '1.1-1', 'building', 'building on worker-2', { worker: 'worker-2' });
    await status.remoteStep('alpha', '1.1-1', undefined, 'built on worker-2', { worker: 'worker-2', duration: 4.5 });
    const events = await state.events.eventList({ event: 'package-status-changed' });
    expect(events.map((event) => [event.objectId, event.message, event.data])).toEqual([
      ['alpha', 'queued on build-x86_64', { queue: 'build-x86_64', status: 'pending', version: '1.1-1' }],
      ['alpha', 'building on worker-2', { worker: 'worker-2', status: 'building', version: '1.1-1' }],
      ['alpha', 'built on worker-2', { worker: 'worker-2', duration: 4.5, version: '1.1-1' }],
    ]);
    expect(heard).toHaveLength(3);
    expect((await state.packages.listPackages('alpha'))[0]!.status.status).toBe('building');
  });

  it('records one status change event per change of a build, beside the outcome events', async () => {
    const { status, state } = await service();
    const gamma = packageRecord('gamma', '2.0-1');
    await status.building(gamma);
    await status.failed(gamma, '2.0-1', 'makepkg failed');
    await status.building(gamma);
    await status.published([{ record: gamma, duration: 3 }], ['beta']);
    const events = await state.events.eventList();
    expect(events.map((event) => [event.event, event.objectId, event.message])).toEqual([
      ['package-status-changed', 'gamma', 'building'],
      ['package-status-changed', 'gamma', 'failed'],
      ['package-update-failed', 'gamma', 'makepkg failed'],
      ['package-status-changed', 'gamma', 'building'],
      ['package-status-changed', 'gamma', 'success'],
      ['package-updated', 'gamma', 'updated to 2.0-1'],
      ['package-removed', 'beta', 'removed from the repository'],
    ]);
    expect((await state.packages.listPackages()).map((entry) => [entry.package.base, entry.status.status])).toEqual([
      ['alpha', 'unknown'],
      ['gamma', 'success'],
    ]);
  });
});
