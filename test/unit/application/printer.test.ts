import { describe, expect, it } from 'vitest';
import { printResult, reportResult } from '../../../src/application/printer.js';
import { CapturedOutput } from '../../../src/core/output.js';

describe('printers', () => {
  const result = { success: [{ base: 'alpha', version: '1.0-1', duration: 2.5 }], failed: [{ base: 'beta', version: '2.0-1', reason: 'build() failed' }], removed: ['gamma'], errors: ['AUR unreachable'] };

  it('print a run result into the sink given, one line per package, with exit code 1 on any failure', () => {
    const output = new CapturedOutput();
    expect(reportResult(output, result, false)).toBe(1);
    expect(output.text()).toBe('built alpha 1.0-1 in 2.5 s\nfailed beta 2.0-1: build() failed\nremoved gamma\nerror: AUR unreachable\n');
    const json = new CapturedOutput();
    expect(reportResult(json, { success: [], failed: [], removed: ['gamma'], errors: [] }, true)).toBe(0);
    expect(JSON.parse(json.text())).toEqual({ success: [], failed: [], removed: ['gamma'], errors: [] });
    const empty = new CapturedOutput();
    printResult(empty, { success: [], failed: [], removed: [], errors: [] });
    expect(empty.text()).toBe('nothing to do\n');
  });
});
