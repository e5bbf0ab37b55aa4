import pg from 'pg'

// LISTEN on a dedicated connection (a pooled one would be handed to others and lose it). A lost
// connection is opened again with a growing pause, and its return counts as a notification: what
// was notified while it was down is unknown, so listeners look again.
export async function pgListen (url: string, channel: string, onNotify: () => void,
  options: { applicationName?: string, retryMs?: number } = {}): Promise<() => Promise<void>> {
  let client: pg.Client | null = null
  let closed = false
  let retry: NodeJS.Timeout | undefined
  let pause = options.retryMs ?? 1_000

  const connect = async (): Promise<void> => {
    const c = new pg.Client({
      connectionString: url,
      application_name: options.applicationName ?? 'dlp-gateway-listen',
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000
    })
    c.on('notification', (msg) => { if (msg.channel === channel) onNotify() })
    c.on('error', () => reconnect(c))
    c.on('end', () => reconnect(c))
    try {
      await c.connect()
      await c.query(`LISTEN ${pg.escapeIdentifier(channel)}`)
    } catch (err) {
      await c.end().catch(() => {}) // e.g. LISTEN refused by a hot standby: do not leak the connection
      throw err
    }
    if (closed) {
      await c.end().catch(() => {})
      return
    }
    client = c
    pause = options.retryMs ?? 1_000
  }

  const reconnect = (c: pg.Client) => {
    if (closed || client !== c) return
    client = null
    c.end().catch(() => {})
    schedule()
  }

  const schedule = () => {
    if (closed) return
    retry = setTimeout(() => {
      connect().then(onNotify, () => {
        pause = Math.min(pause * 2, 30_000)
        schedule()
      })
    }, pause)
    retry.unref()
  }

  // An idle connection a NAT or proxy dropped without a word would stop every wake-up: a ping a
  // minute finds it, and a failed or silent ping opens a new one.
  const ping = setInterval(() => {
    const c = client
    if (!c) return
    const late = setTimeout(() => reconnect(c), 10_000)
    c.query('SELECT 1').then(() => clearTimeout(late), () => { clearTimeout(late); reconnect(c) })
  }, 60_000)
  ping.unref()

  await connect().catch((err: unknown) => {
    clearInterval(ping)
    throw err
  })
  return async () => {
    closed = true
    clearInterval(ping)
    clearTimeout(retry)
    const c = client
    client = null
    await c?.end().catch(() => {})
  }
}
