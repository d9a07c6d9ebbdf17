/**
 * package-add remembers the stamp of each staged copy it wrote, so that the publish takes the copy without reading it
 * a second time (the publisher test shows that it does); a copy written since has another stamp.
 */
import { statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fileStamp } from '../../../src/core/atomic-file.js';
import { Database } from '../../../src/core/database/connection.js';
import { ArchiveMetadataOperations } from '../../../src/core/database/operations/archive-metadata.js';
import { removeTestKeys } from '../../support/keys.js';
import { INCOMING, Repository, stageIncoming } from '../integrity/support.js';

let repository: Repository | undefined;
afterAll(async () => {
  await repository?.cleanup();
  await removeTestKeys();
});

describe('package-add', () => {
  it('remembers the stamp of every staged copy, which a write to the copy changes', async () => {
    repository = await Repository.create([]);
    await stageIncoming(repository);
    const database = await Database.open(path.join(repository.root, 'ahriman.db'));
    const remembered = await new ArchiveMetadataOperations(database).metadataList();
    await database.close();
    expect(remembered.map(({ metadata }) => metadata.name).sort()).toEqual(INCOMING.map((spec) => spec.name).sort());
    for (const { metadata, stagedStamp } of remembered) {
      const staged = path.join(repository.staging, metadata.fileName);
      expect(stagedStamp, metadata.fileName).toBe(fileStamp(statSync(staged, { bigint: true })));
      writeFileSync(staged, Buffer.alloc(metadata.compressedSize));
      expect(fileStamp(statSync(staged, { bigint: true }))).not.toBe(stagedStamp);
    }
  });
});
