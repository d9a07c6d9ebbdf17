import type { PackageMetadata } from '../../../models/package-metadata.js';
import type { Database } from '../connection.js';

/** Metadata of validated package archives by the sha256 of their bytes (shared by every repository). */
export class ArchiveMetadataOperations {
  constructor(private readonly database: Database) {}

  /** Whether an archive of this name and size was validated: only then is hashing it for a lookup worth it. */
  async metadataKnown(fileName: string, size: number): Promise<boolean> {
    const row = await this.database.get<{ found: number }>(
      'look up validated archives',
      'SELECT 1 AS found FROM archive_metadata WHERE file_name = $fileName AND size = $size LIMIT 1',
      { $fileName: fileName, $size: size },
    );
    return row !== undefined;
  }

  async metadataGet(sha256: string): Promise<PackageMetadata | undefined> {
    const row = await this.database.get<{ metadata: string }>('read validated archive metadata', 'SELECT metadata FROM archive_metadata WHERE sha256 = $sha256', {
      $sha256: sha256,
    });
    return row ? (JSON.parse(row.metadata) as PackageMetadata) : undefined;
  }

  async metadataInsert(metadata: PackageMetadata): Promise<void> {
    await this.database.run(
      `remember ${metadata.fileName} as validated`,
      `INSERT INTO archive_metadata (sha256, file_name, size, metadata) VALUES ($sha256, $fileName, $size, $metadata)
       ON CONFLICT (sha256) DO UPDATE SET file_name = excluded.file_name, size = excluded.size, metadata = excluded.metadata`,
      { $sha256: metadata.sha256, $fileName: metadata.fileName, $size: metadata.compressedSize, $metadata: JSON.stringify(metadata) },
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
