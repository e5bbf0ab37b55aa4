import { createHash } from 'node:crypto'
import type { Redis } from 'ioredis'

// A Lua script sent by its SHA1 (EVALSHA), and in full only when the server does not know it
// yet (after a restart or SCRIPT FLUSH): the scripts run on every write and rate-limited request
// (test/state/redis-scripts.test.ts).
export class RedisScript {
  private readonly lua: string
  private readonly sha: string

  constructor (lua: string) {
    this.lua = lua
    this.sha = createHash('sha1').update(lua).digest('hex')
  }

  async run (client: Redis, keys: string[], args: Array<string | number>): Promise<unknown> {
    try {
      return await client.evalsha(this.sha, keys.length, ...keys, ...args)
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err
      return await client.eval(this.lua, keys.length, ...keys, ...args)
    }
  }
}
