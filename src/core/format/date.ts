/** Unix seconds as `YYYY-MM-DD HH:MM:SS` in UTC: how logs, statuses, pages and mails show a time. */
export function formatTimestamp(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().replace('T', ' ').slice(0, 19);
}

/** Unix seconds as RFC 2822 (`Tue, 14 Nov 2023 22:13:20 +0000`), as RSS wants it. */
export function formatRfc2822(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toUTCString().replace(/GMT$/, '+0000');
}

