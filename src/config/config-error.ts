// A configuration problem: server.ts prints its message as one line and exits, no stack.
export class ConfigError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'ConfigError'
  }
}
