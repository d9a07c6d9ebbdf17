import type { Reporter, TestModule } from 'vitest/node';

/**
 * Prints every test file with the time its tests and hooks took, slowest first, and the total: CI uses it (with the
 * default reporter) so that slow files are visible.
 */
export default class DurationsReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const rows = testModules
      .map((module) => ({ file: module.relativeModuleId, seconds: module.diagnostic().duration / 1000 }))
      .sort((left, right) => right.seconds - left.seconds);
    const total = rows.reduce((sum, row) => sum + row.seconds, 0);
    const lines = rows.map((row) => `${row.seconds.toFixed(1).padStart(8)} s  ${row.file}`);
    process.stdout.write(`\nTest files by duration (tests and hooks):\n${lines.join('\n')}\n${total.toFixed(1).padStart(8)} s  sum over the files (they run in parallel)\n`);
  }
}
