// A vendor text that may be echoed to a client, with every credential replaced.
export function scrub (message: string | null, secrets: readonly string[]): string | null {
  return message && secrets.filter(Boolean).reduce((text, secret) => text.split(secret).join('***'), message)
}
