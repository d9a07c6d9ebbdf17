import type { PackageMetadata, ValidatedArchive } from '../../../models/package-metadata.js';
import type { Database } from '../connection.js';

/** Metadata of validated package archives by the sha256 of their bytes (shared by every repository). */
export class ArchiveMetadataOperations {
  constructor(private readonly database: Database) {}

  /** Every remembered archive: only those staged and not yet published, so a short list read in one query. */
  async metadataList(): Promise<ValidatedArchive[]> {
    const rows = await this.database.all<{ metadata: string; staged_stamp: string | null }>(
      'read validated archive metadata',
      'SELECT metadata, staged_stamp FROM archive_metadata',
    );
    return rows.map((row) => ({ metadata: JSON.parse(row.metadata) as PackageMetadata, stagedStamp: row.staged_stamp }));
  }

  /** Remembers validated archives, in one statement. */
  async metadataInsert(archives: readonly ValidatedArchive[]): Promise<void> {
    if (archives.length === 0) return;
    await this.database.run(
      archives.length === 1 ? `remember ${archives[0]!.metadata.fileName} as validated` : `remember ${archives.length} archives as validated`,
      // flat rows: a nested object would have SQLite render each metadata object again (1.4x the time for 1,000)
      `INSERT INTO archive_metadata (sha256, file_name, size, metadata, staged_stamp)
       SELECT value ->> 'sha256', value ->> 'fileName', value ->> 'compressedSize', json_remove(value, '$.stagedStamp'),
              value ->> 'stagedStamp'
       FROM json_each($archives) WHERE true
       ON CONFLICT (sha256) DO UPDATE SET
         file_name = excluded.file_name, size = excluded.size, metadata = excluded.metadata, staged_stamp = excluded.staged_stamp`,
      { $archives: JSON.stringify(archives.map(({ metadata, stagedStamp }) => ({ ...metadata, stagedStamp }))) },
    );
  }

  /** Forgets archives once published: the cache only spares the publish a second decompression. */
  async metadataRemove(sha256s: readonly string[]): Promise<void> {
    if (sha256s.length === 0) return;
    await this.database.run('forget published archive metadata', 'DELETE FROM archive_metadata WHERE sha256 IN (SELECT value FROM json_each($sha256s))', {
      $sha256s: JSON.stringify(sha256s),
    });
  }
}
