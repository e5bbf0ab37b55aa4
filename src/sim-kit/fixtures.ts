// Loads a JSON file holding an array of native vendor records (DEMO_*_FIXTURES, --fixtures).
import { readFile } from 'node:fs/promises'

export async function loadFixtures (path: string): Promise<unknown[]> {
  const text = await readFile(path, 'utf8')
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (err) {
    throw new Error(`fixtures file ${path} is not valid JSON: ${(err as Error).message}`)
  }
  if (!Array.isArray(parsed)) throw new Error(`fixtures file ${path} must hold a JSON array of incident records`)
  return parsed
}
