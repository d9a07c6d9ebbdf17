import type { PackageMetadata } from '../../../models/package-metadata.js';
import type { Database } from '../connection.js';

/** Metadata of validated package archives by the sha256 of their bytes (shared by every repository). */
export class ArchiveMetadataOperations {
  constructor(private readonly database: Database) {}

  /** Every remembered archive: only those staged and not yet published, so a short list read in one query. */
  async metadataList(): Promise<PackageMetadata[]> {
    const rows = await this.database.all<{ metadata: string }>('read validated archive metadata', 'SELECT metadata FROM archive_metadata');
    return rows.map((row) => JSON.parse(row.metadata) as PackageMetadata);
  }

  /** Remembers validated archives, in one statement. */
  async metadataInsert(archives: readonly PackageMetadata[]): Promise<void> {
    if (archives.length === 0) return;
    await this.database.run(
      archives.length === 1 ? `remember ${archives[0]!.fileName} as validated` : `remember ${archives.length} archives as validated`,
      `INSERT INTO archive_metadata (sha256, file_name, size, metadata)
       SELECT value ->> 'sha256', value ->> 'fileName', value ->> 'compressedSize', value FROM json_each($archives) WHERE true
       ON CONFLICT (sha256) DO UPDATE SET file_name = excluded.file_name, size = excluded.size, metadata = excluded.metadata`,
      { $archives: JSON.stringify(archives) },
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
