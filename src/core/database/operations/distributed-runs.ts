import type { RepositoryId } from '../../../models/repository-id.js';
import type { Database } from '../connection.js';

/** The unfinished distributed run of one repository: resumed by the next coordinator, closed once published. */
export class DistributedRunOperations {
  constructor(
    private readonly database: Database,
    private readonly repository: RepositoryId,
  ) {}

  /** The open run's id, or a new one recorded as open. */
  async runOpen(): Promise<{ run: string; resumed: boolean }> {
    const row = await this.database.get<{ run_id: string }>('read the open distributed run', 'SELECT run_id FROM distributed_runs WHERE repository = $repository', {
      $repository: this.repository.id,
    });
    if (row) return { run: row.run_id, resumed: true };
    const { randomUUID } = await import('node:crypto'); // 2.6 ms to load: not for every command that opens the state
    const run = randomUUID();
    await this.database.run('open a distributed run', 'INSERT INTO distributed_runs (repository, run_id, created) VALUES ($repository, $run, $created)', {
      $repository: this.repository.id,
      $run: run,
      $created: Math.floor(Date.now() / 1000),
    });
    return { run, resumed: false };
  }

  async runClose(run: string): Promise<void> {
    await this.database.run('close the distributed run', 'DELETE FROM distributed_runs WHERE repository = $repository AND run_id = $run', {
      $repository: this.repository.id,
      $run: run,
    });
  }
}
