import type { FastifyRequest } from 'fastify';
import { StatusReceiptOperations } from '../core/database/operations/status-spool.js';
import type { ServedRepository } from './context.js';

/**
 * Applies a reported change once. A reporter sends each report with its own `Idempotency-Key` and sends it again when
 * the answer was lost: the key is recorded in the transaction of the change, so a repeat is acknowledged and skipped.
 * Requests without the header (the reference's clients, the dashboard) are applied as they come.
 */
export async function applyOnce(request: FastifyRequest, repository: ServedRepository, apply: () => Promise<unknown>): Promise<void> {
  const key = request.headers['idempotency-key'];
  if (typeof key !== 'string' || key.length === 0) {
    await apply();
    return;
  }
  const receipts = new StatusReceiptOperations(repository.state.database);
  await repository.status.client.batch(async () => {
    if (await receipts.receiptClaim(key.slice(0, 200))) await apply();
  });
}
