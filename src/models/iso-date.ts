/**
 * An ISO 8601 date or date-time as unix milliseconds, or undefined when it is neither. A bare date means midnight
 * UTC, as does a date-time without a zone (JavaScript would read that one as local time).
 */
export function parseIsoDate(value: string): number | undefined {
  const bareDate = /^\d{4}-\d\d-\d\d$/.test(value);
  const withoutZone = /^\d{4}-\d\d-\d\dT[\d:.]+$/.test(value);
  const parsed = Date.parse(bareDate ? `${value}T00:00:00Z` : withoutZone ? `${value}Z` : value);
  return Number.isNaN(parsed) ? undefined : parsed;
}

/** What callers print when `parseIsoDate` refuses a value. */
export const ISO_DATE_EXAMPLE = 'an ISO date such as 2024-05-01 or 2024-05-01T12:00:00Z';
