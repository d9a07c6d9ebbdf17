import { describe, expect, it } from 'vitest';
import { formatRfc2822, formatTimestamp } from '../../../src/core/format/date.js';
import { humanSize } from '../../../src/core/format/size.js';
import { formatEntry, formatTable } from '../../../src/core/format/table.js';
import { formatVersionChange } from '../../../src/core/format/version.js';

describe('core/format', () => {
  it('prints times in UTC, plain or RFC 2822', () => {
    expect(formatTimestamp(1_700_000_000)).toBe('2023-11-14 22:13:20');
    expect(formatTimestamp(1_700_000_000.9)).toBe('2023-11-14 22:13:20');
    expect(formatRfc2822(1_700_000_000)).toBe('Tue, 14 Nov 2023 22:13:20 +0000');
  });

  it('prints sizes in binary units, one decimal from KiB on', () => {
    expect([0, 1023, 1024, 1536, 20.3 * 1024 * 1024, 3 * 1024 ** 5].map(humanSize)).toEqual(['0 B', '1023 B', '1.0 KiB', '1.5 KiB', '20.3 MiB', '3072.0 TiB']);
  });

  it('points -> at a newer version and => at a rebuild or downgrade, as vercmp orders them', () => {
    expect(formatVersionChange('1.0-1', '1.0-2')).toBe('1.0-1 -> 1.0-2');
    expect(formatVersionChange('1.0-1', '1.0-1')).toBe('1.0-1 => 1.0-1');
    expect(formatVersionChange('1:0.1-1', '2.0-1')).toBe('1:0.1-1 => 2.0-1');
    expect(formatVersionChange(undefined, '1.0-1')).toBe('(new) -> 1.0-1');
  });

  it('lays out entries as the reference and aligns table columns but the last', () => {
    expect(formatEntry('alpha', [['Version', '1.0-1'], ['Status', 'success']])).toBe('alpha\n\tVersion: 1.0-1\n\tStatus: success');
    expect(formatEntry(undefined, [['a', 'b']], ' ')).toBe('\ta b');
    expect(formatTable([['✔', 'alpha', '1.0-1', 'built'], ['-', 'longer-name', '', 'removed']])).toEqual([
      '✔  alpha        1.0-1  built',
      '-  longer-name         removed',
    ]);
  });
});
