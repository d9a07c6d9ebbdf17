/** Unix time in whole seconds, the unit of status and audit log timestamps. */
export function currentUnixTime(): number {
  return Math.floor(Date.now() / 1000);
}
