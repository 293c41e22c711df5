/** How times read on pages and in messages: in UTC, to the minute (the ledger's clock is UTC). */
export function utcMinute(when: Date | number): string {
  const date = typeof when === 'number' ? new Date(when * 1000) : when;
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** A day typed as `YYYY-MM-DD` ended: the first second (UTC) of the next day, as the ledger's `until` counts it. */
export function endOfUtcDay(day: string): number {
  const [year, month, date] = day.split('-').map(Number);
  return Date.UTC(year, month - 1, date + 1) / 1000;
}
