import { useMemo, useState } from 'preact/hooks';
import { downloadCsv } from './csv.js';
import { formatTime, unionOf } from './format.js';
import { useStored } from './hooks.js';
import { BUILD_STATUSES, type BuildStatus, type PackageStatus } from './models.js';
import { StatusChip } from './status.js';

/** One table row: a package base with the lists of all its packages merged. */
export interface PackageRow {
  base: string;
  version: string;
  packages: string[];
  groups: string[];
  licenses: string[];
  packager: string;
  timestamp: number;
  status: BuildStatus;
  held: boolean;
  webUrl: string | undefined;
}

export function toRow({ package: pkg, status }: PackageStatus): PackageRow {
  const properties = Object.values(pkg.packages);
  return {
    base: pkg.base,
    version: pkg.version,
    packages: Object.keys(pkg.packages).sort(),
    groups: unionOf(properties.map((item) => item.groups)),
    licenses: unionOf(properties.map((item) => item.licenses)),
    packager: pkg.packager ?? '',
    timestamp: status.timestamp,
    status: status.status,
    held: status.is_held ?? false,
    webUrl: pkg.remote.web_url ?? undefined,
  };
}

type Column = 'base' | 'version' | 'packages' | 'groups' | 'licenses' | 'packager' | 'timestamp' | 'status';
const COLUMNS: ReadonlyArray<{ key: Column; title: string; text: (row: PackageRow) => string }> = [
  { key: 'base', title: 'package base', text: (row) => row.base },
  { key: 'version', title: 'version', text: (row) => row.version },
  { key: 'packages', title: 'packages', text: (row) => row.packages.join(' ') },
  { key: 'groups', title: 'groups', text: (row) => row.groups.join(' ') },
  { key: 'licenses', title: 'licenses', text: (row) => row.licenses.join(' ') },
  { key: 'packager', title: 'packager', text: (row) => row.packager },
  { key: 'timestamp', title: 'last update', text: (row) => formatTime(row.timestamp) },
  { key: 'status', title: 'status', text: (row) => row.status },
];
const PAGE_SIZES = [10, 25, 50, 100];

interface TableSettings {
  search: string;
  statuses: BuildStatus[];
  heldOnly: boolean;
  sort: { column: Column; descending: boolean };
  pageSize: number;
}
const DEFAULT_SETTINGS: TableSettings = {
  search: '', statuses: [], heldOnly: false, sort: { column: 'base', descending: false }, pageSize: 25,
};

function compare(column: Column, left: PackageRow, right: PackageRow): number {
  if (column === 'timestamp') return left.timestamp - right.timestamp;
  const text = COLUMNS.find((item) => item.key === column)!.text;
  return text(left).localeCompare(text(right), undefined, { numeric: true });
}

interface TableProps {
  rows: PackageRow[];
  repositoryName: string;
  selected: Set<string>;
  onSelect: (selected: Set<string>) => void;
  onOpen: (base: string) => void;
}

/** A list of names that wraps between names only (package names and licenses contain hyphens). */
function Names({ names }: { names: string[] }) {
  return <>{names.map((name, index) => <><span class="name">{name}</span>{index < names.length - 1 && ', '}</>)}</>;
}

/** The package table: quick search, status and "held" filters, sorting, pagination, selection and CSV export. */
export function PackageTable({ rows, repositoryName, selected, onSelect, onOpen }: TableProps) {
  const [settings, store] = useStored<TableSettings>('ahriman.table', DEFAULT_SETTINGS);
  const [page, setPage] = useState(0);
  const update = (change: Partial<TableSettings>): void => {
    store({ ...settings, ...change });
    setPage(0);
  };

  const visible = useMemo(() => {
    const terms = settings.search.toLowerCase().split(/\s+/).filter(Boolean);
    const filtered = rows.filter((row) =>
      (settings.statuses.length === 0 || settings.statuses.includes(row.status))
      && (!settings.heldOnly || row.held)
      && terms.every((term) => COLUMNS.some((column) => column.text(row).toLowerCase().includes(term))));
    const { column, descending } = settings.sort;
    return filtered.sort((left, right) => (descending ? -1 : 1) * compare(column, left, right) || left.base.localeCompare(right.base));
  }, [rows, settings]);

  const pages = Math.max(1, Math.ceil(visible.length / settings.pageSize));
  const current = Math.min(page, pages - 1);
  const shown = visible.slice(current * settings.pageSize, (current + 1) * settings.pageSize);
  const allShownSelected = shown.length > 0 && shown.every((row) => selected.has(row.base));

  const toggleStatus = (status: BuildStatus): void => update({
    statuses: settings.statuses.includes(status)
      ? settings.statuses.filter((item) => item !== status)
      : [...settings.statuses, status],
  });
  const toggleSort = (column: Column): void => update({
    sort: { column, descending: settings.sort.column === column ? !settings.sort.descending : false },
  });
  const toggleRow = (base: string): void => {
    const next = new Set(selected);
    if (!next.delete(base)) next.add(base);
    onSelect(next);
  };
  const toggleShown = (): void => {
    const next = new Set(selected);
    for (const row of shown) {
      if (allShownSelected) next.delete(row.base);
      else next.add(row.base);
    }
    onSelect(next);
  };
  const exportCsv = (): void => downloadCsv(
    `${repositoryName}-packages.csv`,
    [...COLUMNS.map((column) => column.title), 'held'],
    visible.map((row) => [...COLUMNS.map((column) => column.text(row)), row.held ? 'yes' : 'no']),
  );

  return (
    <section class="table-panel">
      <div class="table-filters">
        <input
          type="search"
          class="search"
          placeholder="Search packages…"
          aria-label="Search packages"
          value={settings.search}
          onInput={(event) => update({ search: event.currentTarget.value })}
        />
        <div class="status-filter" role="group" aria-label="Filter by status">
          {BUILD_STATUSES.map((status) => (
            <button
              type="button"
              class={`chip toggle status-${status} ${settings.statuses.includes(status) ? 'active' : ''}`}
              aria-pressed={settings.statuses.includes(status)}
              onClick={() => toggleStatus(status)}
            >{status}</button>
          ))}
          <button
            type="button"
            class={`chip toggle held ${settings.heldOnly ? 'active' : ''}`}
            aria-pressed={settings.heldOnly}
            onClick={() => update({ heldOnly: !settings.heldOnly })}
          >held</button>
        </div>
        <button type="button" class="button" onClick={exportCsv}>Export CSV</button>
      </div>
      <div class="table-scroll">
        <table class="packages">
          <thead>
            <tr>
              <th class="select">
                <input type="checkbox" aria-label="Select shown packages" checked={allShownSelected} onChange={toggleShown} />
              </th>
              {COLUMNS.map((column) => (
                <th
                  aria-sort={settings.sort.column === column.key ? (settings.sort.descending ? 'descending' : 'ascending') : 'none'}
                >
                  <button type="button" class="sort" onClick={() => toggleSort(column.key)}>
                    {column.title}
                    {settings.sort.column === column.key && (settings.sort.descending ? ' ▼' : ' ▲')}
                  </button>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {shown.map((row) => (
              <tr
                key={row.base}
                data-package={row.base}
                class={`row-${row.status}`}
                tabIndex={0}
                onClick={() => onOpen(row.base)}
                onKeyDown={(event) => event.key === 'Enter' && event.target === event.currentTarget && onOpen(row.base)}
              >
                <td class="select" onClick={(event) => event.stopPropagation()}>
                  <input
                    type="checkbox"
                    aria-label={`Select ${row.base}`}
                    checked={selected.has(row.base)}
                    onChange={() => toggleRow(row.base)}
                  />
                </td>
                <td class="base">
                  {row.webUrl
                    ? <a href={row.webUrl} target="_blank" rel="noreferrer" onClick={(event) => event.stopPropagation()}>{row.base}</a>
                    : row.base}
                </td>
                <td class="version">{row.version}</td>
                <td><Names names={row.packages} /></td>
                <td><Names names={row.groups} /></td>
                <td><Names names={row.licenses} /></td>
                <td class="packager">{row.packager}</td>
                <td class="time">{formatTime(row.timestamp)}</td>
                <td><StatusChip status={row.status} held={row.held} /></td>
              </tr>
            ))}
            {shown.length === 0 && (
              <tr><td colSpan={COLUMNS.length + 1} class="empty">{rows.length === 0 ? 'No packages yet' : 'No package matches'}</td></tr>
            )}
          </tbody>
        </table>
      </div>
      <div class="pagination">
        <span class="count">{visible.length} of {rows.length} package bases{selected.size > 0 && `, ${selected.size} selected`}</span>
        <label>
          Rows per page{' '}
          <select value={settings.pageSize} onChange={(event) => update({ pageSize: Number(event.currentTarget.value) })}>
            {PAGE_SIZES.map((size) => <option value={size}>{size}</option>)}
          </select>
        </label>
        <button type="button" class="button" disabled={current === 0} onClick={() => setPage(current - 1)} aria-label="Previous page">‹</button>
        <span class="page">{current + 1} / {pages}</span>
        <button type="button" class="button" disabled={current >= pages - 1} onClick={() => setPage(current + 1)} aria-label="Next page">›</button>
      </div>
    </section>
  );
}
