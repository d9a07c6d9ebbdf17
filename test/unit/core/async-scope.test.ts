import { describe, expect, it } from 'vitest';
import { ScopedStorage } from '../../../src/core/async-scope.js';

describe('ScopedStorage', () => {
  it('gives the store inside a run, to nested runs their own, and nothing outside', async () => {
    const storage = new ScopedStorage<string>();
    expect(storage.getStore()).toBeUndefined();
    const seen = await storage.run('outer', async () => {
      const before = storage.getStore();
      const nested = await storage.run('inner', async () => storage.getStore());
      await Promise.resolve();
      return [before, nested, storage.getStore()];
    });
    expect(seen).toEqual(['outer', 'inner', 'outer']);
    expect(storage.getStore()).toBeUndefined();
  });

  it('is switched off once no run is in progress, and on again with the next run', async () => {
    const storage = new ScopedStorage<string>();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let late: Promise<string | undefined> | undefined;
    const overlapping: Array<string | undefined> = [];
    await storage.run('first', async () => {
      // a continuation made inside the run that only resumes after it ended
      late = gate.then(() => storage.getStore());
      // a second run, started and finished while the first one is in progress, leaves the first one its store
      await storage.run('second', async () => undefined);
      overlapping.push(storage.getStore());
    });
    release();
    // a plain AsyncLocalStorage would still give it 'first': switched off, it gives nothing
    expect(await late).toBeUndefined();
    expect(overlapping).toEqual(['first']);
    expect(await storage.run('third', async () => storage.getStore())).toBe('third');
  });
});
