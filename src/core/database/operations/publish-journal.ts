import type { RepositoryId } from '../../../models/repository-id.js';
import type { Database } from '../connection.js';

/** The unfinished publish of one repository (at most one), as the JSON plan the publisher wrote. */
export class PublishJournalOperations {
  constructor(
    private readonly database: Database,
    private readonly repository: RepositoryId,
  ) {}

  async journalGet<Plan>(): Promise<Plan | undefined> {
    const row = await this.database.get<{ plan: string }>(
      'read the publish journal',
      'SELECT plan FROM publish_journal WHERE repository = $repository',
      { $repository: this.repository.id },
    );
    return row ? (JSON.parse(row.plan) as Plan) : undefined;
  }

  async journalInsert(plan: object): Promise<void> {
    await this.database.run(
      'write the publish journal',
      'INSERT INTO publish_journal (repository, created, plan) VALUES ($repository, $created, $plan)',
      { $repository: this.repository.id, $created: Math.floor(Date.now() / 1000), $plan: JSON.stringify(plan) },
    );
  }

  async journalDelete(): Promise<void> {
    await this.database.run('close the publish journal', 'DELETE FROM publish_journal WHERE repository = $repository', {
      $repository: this.repository.id,
    });
  }
}
