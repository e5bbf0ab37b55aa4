// Reads a fixtures file (a JSON array of native ZWA records). Unlike the kit's loader it parses
// losslessly, so group ids beyond 2^53 keep every digit.
import { readFile } from 'node:fs/promises'
import { parseLossless } from './json.ts'

export async function loadZwaFixtures (path: string): Promise<unknown[]> {
  const text = await readFile(path, 'utf8')
  let parsed: unknown
  try {
    parsed = parseLossless(text)
  } catch (err) {
    throw new Error(`fixtures file ${path} is not valid JSON: ${(err as Error).message}`)
  }
  if (!Array.isArray(parsed)) throw new Error(`fixtures file ${path} must hold a JSON array of incident records`)
  return parsed
}
