/**
 * The snapshots on S3, under `<object_path>/snapshots/`: each snapshot as `<id>/` (packages and database, like the
 * repository), each pointer as `<pointer>/` holding the objects of the snapshot it names. In that order, so a reader
 * never finds a database naming a missing object: every new snapshot's objects first (a snapshot is immutable, so
 * one whose objects are all there with their sizes is skipped unhashed), then for each pointer its packages, then its
 * database objects, then its stale objects, and last the prefixes of purged snapshots.
 */
import { getLogger } from '../log/logger.js';
import { SNAPSHOTS_DIRECTORY, SnapshotStore } from '../snapshots/store.js';
import { type RepositoryFiles, type UploadSource, repositoryFiles, resolveEntries } from './files.js';
import { S3Mirror, type S3Settings, objectPrefix, syncFiles } from './s3.js';

const logger = getLogger('upload');

/** Whether every file of the snapshot directory is an object under the mirror's prefix, with the same size. */
async function uploadedAlready(mirror: S3Mirror, directory: string): Promise<boolean> {
  const remote = await mirror.list();
  return (await resolveEntries(directory)).every((entry) => remote.get(entry.name)?.size === entry.size);
}

export async function uploadS3Snapshots(settings: S3Settings, { paths }: UploadSource): Promise<void> {
  const store = new SnapshotStore(paths);
  const pointers = await store.pointers();
  if (pointers.size === 0) return;
  const root = await S3Mirror.open(settings, `${objectPrefix(settings, paths)}/${SNAPSHOTS_DIRECTORY}`);
  try {
    const listings = new Map<string, Promise<RepositoryFiles>>();
    const files = (id: string): Promise<RepositoryFiles> => {
      if (!listings.has(id)) listings.set(id, repositoryFiles(store.snapshotDirectory(id), paths.repositoryId.name));
      return listings.get(id)!;
    };
    const ids = await store.ids();
    for (const id of ids) {
      const mirror = root.child(id);
      if (!(await uploadedAlready(mirror, store.snapshotDirectory(id)))) await syncFiles(mirror, settings, await files(id));
    }
    for (const [pointer, id] of pointers) await syncFiles(root.child(pointer), settings, await files(id));
    const kept = new Set([...ids, ...pointers.keys()]);
    const purged = (await root.subdirectories()).filter((name) => !kept.has(name));
    for (const name of purged) {
      const mirror = root.child(name);
      const [last, ...others] = [...(await mirror.list()).keys()];
      // the last object alone: S3-compatible servers that keep objects as files (s3rver) fail when the deletions of
      // one batch race to remove the directory they emptied
      await mirror.delete(others);
      if (last !== undefined) await mirror.delete([last]);
    }
    if (purged.length > 0) logger.info(`${root.location}: removed the purged snapshot(s) ${purged.join(', ')}`);
  } finally {
    root.close();
  }
}
