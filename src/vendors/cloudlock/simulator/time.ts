// Cloudlock timestamps, handled as integer microseconds since the epoch: stored values carry six
// fractional digits and filters must compare at that precision (a Date would drop the last three).

// Accepted: 2021-01-01 | 2021-01-18T16:55 | 2021-01-18 16:55:07 | ...:07.1 to ...:07.123456 |
// any of those with a time and a zone: Z, +00:00, +0000, -05:00. A space before the zone is read as
// "+": it is what an unencoded "+" in a query string decodes to. No zone means UTC.
// The date, then the optional time and zone (two parts only to keep the lines short).
const TIMESTAMP = new RegExp(String.raw`^(\d{4})-(\d{2})-(\d{2})` +
  String.raw`(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,6}))?)?(?:([Zz])|([+\- ])(\d{2}):?(\d{2}))?)?$`)

export function parseTimestampUs (text: string): number | undefined {
  const m = TIMESTAMP.exec(text)
  if (m === null) return undefined
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? '0'))
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return undefined
  const ms = Date.UTC(year, month - 1, day, hour, minute, second)
  // Date.UTC rolls 2021-02-30 over to March; reject instead.
  if (new Date(ms).getUTCDate() !== day) return undefined
  let offsetMinutes = 0
  if (m[9] !== undefined) {
    const offHours = Number(m[10])
    const offMinutes = Number(m[11])
    if (offHours > 23 || offMinutes > 59) return undefined
    offsetMinutes = (offHours * 60 + offMinutes) * (m[9] === '-' ? -1 : 1)
  }
  const micros = m[7] === undefined ? 0 : Number(m[7].padEnd(6, '0'))
  return (ms - offsetMinutes * 60_000) * 1000 + micros
}

// 1717200000123456 -> "2024-06-01T00:00:00.123456+00:00"
export function formatTimestampUs (us: number): string {
  const seconds = Math.floor(us / 1_000_000)
  const fraction = us - seconds * 1_000_000
  return `${new Date(seconds * 1000).toISOString().slice(0, 19)}.${String(fraction).padStart(6, '0')}+00:00`
}

export function formatClockMs (ms: number): string {
  return formatTimestampUs(Math.round(ms) * 1000)
}
