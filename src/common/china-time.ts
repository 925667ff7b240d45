/** A time as people in China read it: `2026-11-21 10:32` (UTC+8 all year, no daylight saving). */
export function chinaTime(at: Date): string {
  return new Date(at.getTime() + 8 * 3600_000).toISOString().slice(0, 16).replace('T', ' ');
}
