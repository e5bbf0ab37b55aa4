// Request body parsers for the whole simulator (vendor and admin routes): lossless JSON so group ids
// beyond 2^53 survive, and form bodies for the OneAPI token endpoint.
import type { FastifyInstance } from 'fastify'
import { ZwaError } from './errors.ts'
import { parseLossless } from './json.ts'

// Parse failures carry this flag so the token endpoint can answer them the way ZWA documents (500).
export class MalformedBodyError extends ZwaError {
  readonly malformedBody = true
}

export function registerBodyParsers (app: FastifyInstance): void {
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, text, done) => {
    // The SDKs send Content-Type: application/json on bodiless GET and DELETE requests too.
    if (typeof text !== 'string' || text.trim() === '') return done(null, undefined)
    try {
      done(null, parseLossless(text))
    } catch {
      done(new MalformedBodyError(400, 'Malformed JSON request body'), undefined)
    }
  })
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, text, done) => {
    const form: Record<string, string> = {}
    for (const [key, value] of new URLSearchParams(String(text))) if (key !== '__proto__') form[key] = value
    done(null, form)
  })
}
