import type { RepositoryState } from '../repository/state.js';
import { LocalStatusClient } from './local-client.js';
import { StatusService } from './service.js';

/** The status service of a CLI run over the repository's state database. */
export function openStatus(state: RepositoryState): StatusService {
  return new StatusService(new LocalStatusClient(state));
}
