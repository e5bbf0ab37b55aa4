// Bounded log of the requests a gateway sent to a simulator, for GET /__sim/requests.
export interface LoggedRequest {
  method: string
  path: string
  query: Record<string, unknown>
  headers: Record<string, unknown>
  body: unknown
  status: number | null // null while in flight; 0 when the socket was reset without an answer
  at: string
}

export class RequestLog {
  readonly #capacity: number
  #entries: LoggedRequest[] = []

  constructor (capacity: number) {
    this.#capacity = capacity
  }

  // Entries are stored by reference so the status can be filled in once it is known.
  push (entry: LoggedRequest): void {
    this.#entries.push(entry)
    if (this.#entries.length > this.#capacity) this.#entries.splice(0, this.#entries.length - this.#capacity)
  }

  list (): LoggedRequest[] {
    return this.#entries.slice()
  }

  clear (): void {
    this.#entries = []
  }
}
