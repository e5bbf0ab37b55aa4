import pg from 'pg'

// timestamptz as PostgreSQL writes it to a session whose TimeZone is UTC
// ('2026-12-02 01:16:39.08101+00'), read by character codes and Date.UTC: node-postgres' own parser
// (a regular expression and its parts) was 7 % of the change feed's CPU, two per change. Anything
// else (another TimeZone's offset, BC, years before 100 or after 9999) takes that parser; a property
// test holds the two equal (test/store/pg-timestamp.test.ts).
const TIMESTAMPTZ_OID = 1184
// (node-postgres reads 'infinity' and '-infinity' as numbers)
const general = pg.types.getTypeParser(TIMESTAMPTZ_OID, 'text') as (text: string) => Date | number

const SHAPE = '0000-00-00 00:00:00'
const digit = (text: string, i: number) => text.charCodeAt(i) - 48

export function parseTimestamptz (text: string): Date | number {
  const n = text.length
  if (n < 22 || n > 29 || !text.endsWith('+00')) return general(text)
  let value = 0
  const parts: number[] = []
  for (let i = 0; i < SHAPE.length; i++) {
    if (SHAPE[i] === '0') {
      const d = digit(text, i)
      if (d < 0 || d > 9) return general(text)
      value = value * 10 + d
    } else {
      if (text[i] !== SHAPE[i]) return general(text)
      parts.push(value)
      value = 0
    }
  }
  parts.push(value)
  let ms = 0
  if (n > 22) {
    if (text[19] !== '.' || n === 23) return general(text)
    for (let i = 20; i < 23; i++) {
      const d = i < n - 3 ? digit(text, i) : 0
      if (d < 0 || d > 9) return general(text)
      ms = ms * 10 + d
    }
    for (let i = 23; i < n - 3; i++) {
      const d = digit(text, i)
      if (d < 0 || d > 9) return general(text)
    }
  }
  const [year, month, day, hour, minute, second] = parts
  if (year < 100) return general(text) // Date.UTC reads 0-99 as 1900-1999
  return new Date(Date.UTC(year, month - 1, day, hour, minute, second, ms))
}
