/**
 * The script of an intake worker thread (see intake-workers.ts): inspects each archive it is sent with
 * {@link inspectArchive}, exactly as the main thread would, and answers with its metadata or the error.
 */
import { parentPort } from 'node:worker_threads';
import { InvalidInputError, errorMessage } from '../errors.js';
import { type InspectionAnswer, type InspectionRequest } from './intake-protocol.js';
import { inspectArchive } from './intake.js';

const port = parentPort!;
port.on('message', (request: InspectionRequest) => {
  inspectArchive(request.file, request.options).then(
    (metadata) => port.postMessage({ id: request.id, metadata } satisfies InspectionAnswer),
    (error: unknown) => port.postMessage({ id: request.id, error: errorMessage(error), invalidInput: error instanceof InvalidInputError } satisfies InspectionAnswer),
  );
});
