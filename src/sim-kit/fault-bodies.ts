// Broken response bodies the simulators send when a fault fires.
import { STATUS_CODES } from 'node:http'
import { Readable } from 'node:stream'

// Looks like the start of a JSON document but never closes: JSON.parse must fail
// (test/simulators/common/sim-kit-faults.test.ts, "malformed").
export const MALFORMED_JSON = '{"items": [{"id": "1", "broken": tru'

// The kind of page a load balancer or proxy serves instead of the API's JSON.
export function htmlErrorPage (status: number): string {
  const title = `${status} ${STATUS_CODES[status] ?? 'Error'}`
  return `<!DOCTYPE html>\n<html><head><title>${title}</title></head>` +
    `<body><center><h1>${title}</h1></center><hr><center>simulated proxy</center></body></html>\n`
}

// Sends the first half of `body`, then fails so the server destroys the socket mid-body.
export function truncatedStream (body: Buffer): Readable {
  const cut = Math.max(1, Math.floor(body.length / 2))
  let sent = false
  let timer: NodeJS.Timeout | undefined
  return new Readable({
    read () {
      if (sent) return
      sent = true
      this.push(body.subarray(0, cut))
      // Give the partial bytes time to reach the socket before it is torn down.
      timer = setTimeout(() => this.destroy(new Error('simulated truncated body')), 50)
    },
    destroy (err, callback) {
      clearTimeout(timer)
      callback(err)
    }
  })
}

// Trickles `body` a few bytes at a time so a client's body timeout can trip.
export function slowStream (body: Buffer, intervalMs: number, chunkBytes = 4): Readable {
  let offset = 0
  let timer: NodeJS.Timeout | undefined
  return new Readable({
    read () {
      if (timer !== undefined) return
      timer = setTimeout(() => {
        timer = undefined
        const chunk = body.subarray(offset, offset + chunkBytes)
        offset += chunk.length
        this.push(chunk)
        if (offset >= body.length) this.push(null)
      }, intervalMs)
    },
    destroy (err, callback) {
      clearTimeout(timer)
      callback(err)
    }
  })
}
