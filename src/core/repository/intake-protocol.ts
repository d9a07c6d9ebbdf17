import type { PackageMetadata } from '../../models/package-metadata.js';
import type { InspectOptions } from './intake.js';

/** One archive for an intake worker; the options are plain data (no archives validated before). */
export interface InspectionRequest {
  id: number;
  file: string;
  options: Omit<InspectOptions, 'validated'>;
}

/** A worker's answer: the archive's metadata, or why it was refused (`invalidInput`) or could not be read. */
export type InspectionAnswer = { id: number; metadata: PackageMetadata } | { id: number; error: string; invalidInput: boolean };
