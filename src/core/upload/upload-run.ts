import type { RepositoryId } from '../../models/repository-id.js';
import type { Result } from '../../models/result.js';
import type { RepositoryEntry } from '../alpm/repository-database.js';
import type { Configuration } from '../configuration/configuration.js';

/** What the run did, for targets that send only its packages (remote-service). */
export interface UploadRun {
  configuration: Configuration;
  repositoryId: RepositoryId;
  result: Result;
  packages: readonly RepositoryEntry[];
}
