import { Redis } from 'ioredis'
import { ChangeHub } from './change-hub.ts'
import { RedisScript } from './redis-script.ts'
import { type KeyWatch, type SharedStore, type StoreErrorHook, StoreUnavailableError } from './shared-store.ts'

// Every write publishes the changed key (without the prefix) on one channel per prefix, in the
// same script as the write: atomic, one round trip, and no reliance on keyspace notifications
// (server configuration). ARGV ends with the channel, then the key to publish.
const SET = new RedisScript(
  "redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) redis.call('PUBLISH', ARGV[3], ARGV[4]) return 1")
const SET_IF_ABSENT = new RedisScript(
  "if redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') then " +
  "redis.call('PUBLISH', ARGV[3], ARGV[4]) return 1 end return 0")
// Compare-and-set / compare-and-delete: one round trip, no other client in between.
const REPLACE_IF_EQUALS = new RedisScript(
  "if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) " +
  "redis.call('PUBLISH', ARGV[4], ARGV[5]) return 1 end return 0")
const DELETE = new RedisScript(
  "if redis.call('DEL', KEYS[1]) == 1 then redis.call('PUBLISH', ARGV[1], ARGV[2]) return 1 end return 0")
const DELETE_IF_EQUALS = new RedisScript(
  "if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) redis.call('PUBLISH', ARGV[2], ARGV[3]) " +
  'return 1 end return 0')

export interface RedisStoreOptions {
  onError?: StoreErrorHook // failures of the change subscriber, which no caller sees
  subscribeTimeoutMs?: number // how long a watch waits for the subscription (default 1 s)
}

// Redis-backed state shared by every replica. Commands fail fast while Redis is unreachable
// (no offline queue), so callers can decide to fail closed instead of hanging.
export class RedisStore implements SharedStore {
  readonly kind = 'redis' as const
  readonly client: Redis
  private readonly prefix: string
  private readonly channel: string
  private readonly onError: StoreErrorHook
  private readonly subscribeTimeoutMs: number
  private readonly changes = new ChangeHub()
  private subscriber: Redis | null = null
  private subscribed: Promise<void> | null = null

  constructor (url: string, prefix = 'dlpgw:', opts: RedisStoreOptions = {}) {
    this.prefix = prefix
    this.channel = `${prefix}changed`
    this.onError = opts.onError ?? (() => {})
    this.subscribeTimeoutMs = opts.subscribeTimeoutMs ?? 1_000
    // Connected by connect(), once the app is ready: a connection opened while plugins register
    // times out whenever schema compilation blocks the loop longer than connectTimeout, and a
    // replica then listened with its store reconnecting (test/state/redis-connect.test.ts).
    this.client = new Redis(url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 2_000,
      commandTimeout: 2_000,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2_000)
    })
    // Connection errors surface on commands; the event only needs a listener so it is not fatal.
    this.client.on('error', () => {})
  }

  // Opens the connection and waits for it up to `waitMs`. Never rejects: false when not
  // connected by then, in which case ioredis keeps reconnecting (retryStrategy) and commands fail
  // fast meanwhile. A store command sent first waits for it the same way (run).
  async connect (waitMs = 5_000): Promise<boolean> {
    const client = this.client
    if (client.status === 'ready') return true
    return await new Promise<boolean>((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer)
        client.off('ready', onReady)
        resolve(ok)
      }
      const onReady = () => done(true)
      const timer = setTimeout(() => done(false), waitMs)
      client.once('ready', onReady)
      if (client.status === 'wait') client.connect().catch(() => {}) // failures retry; the timer decides
    })
  }

  private async run<T> (fn: () => Promise<T>): Promise<T> {
    // Never connected yet (used before the app was ready, or outside one): connect first rather
    // than fail the command on a connection it has just started.
    if (this.client.status === 'wait') await this.connect()
    try {
      return await fn()
    } catch (err) {
      throw new StoreUnavailableError(err)
    }
  }

  get (key: string): Promise<string | null> {
    return this.run(() => this.client.get(this.prefix + key))
  }

  async setIfAbsent (key: string, value: string, ttlMs: number): Promise<boolean> {
    const args = [value, ttlMs, this.channel, key]
    return await this.run(() => SET_IF_ABSENT.run(this.client, [this.prefix + key], args)) === 1
  }

  async set (key: string, value: string, ttlMs: number): Promise<void> {
    await this.run(() => SET.run(this.client, [this.prefix + key], [value, ttlMs, this.channel, key]))
  }

  async replaceIfEquals (key: string, expected: string, value: string, ttlMs: number): Promise<boolean> {
    const args = [expected, value, ttlMs, this.channel, key]
    return await this.run(() => REPLACE_IF_EQUALS.run(this.client, [this.prefix + key], args)) === 1
  }

  async deleteIfEquals (key: string, expected: string): Promise<boolean> {
    const args = [expected, this.channel, key]
    return await this.run(() => DELETE_IF_EQUALS.run(this.client, [this.prefix + key], args)) === 1
  }

  async delete (key: string): Promise<void> {
    await this.run(() => DELETE.run(this.client, [this.prefix + key], [this.channel, key]))
  }

  async watch (key: string): Promise<KeyWatch> {
    const watch = this.changes.watch(key)
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<never>((_resolve, reject) => {
      const ms = this.subscribeTimeoutMs
      timer = setTimeout(() => reject(new Error(`not subscribed within ${ms} ms`)), ms)
    })
    try {
      await Promise.race([this.listening(), late])
    } catch (err) {
      // Not listening (yet): the watch only times out, and the caller's fallback poll carries on
      // (test/state/change-notify.test.ts, "redis down").
      this.onError('subscribe', err)
    } finally {
      clearTimeout(timer)
    }
    return watch
  }

  // One subscriber connection per store, subscribed once to the change channel on first use.
  // A failed subscription is retried by the next watch.
  private listening (): Promise<void> {
    if (this.subscribed) return this.subscribed
    this.subscriber ??= this.startSubscriber()
    const subscribed = this.subscriber.subscribe(this.channel).then(() => {})
    subscribed.catch(() => {
      if (this.subscribed === subscribed) this.subscribed = null
    })
    this.subscribed = subscribed
    return subscribed
  }

  private startSubscriber (): Redis {
    // Unlike the command client, it queues its SUBSCRIBE until connected (bounded by the watch).
    const sub = this.client.duplicate({ enableOfflineQueue: true })
    let healthy = true
    let connectedBefore = false
    sub.on('message', (channel: string, key: string) => {
      if (channel === this.channel) this.changes.notify(key)
    })
    // Reported once per outage: ioredis emits an error on every failed reconnect.
    sub.on('error', (err) => {
      if (healthy) this.onError('subscriber', err)
      healthy = false
    })
    sub.on('ready', () => {
      healthy = true
      if (connectedBefore && this.subscribed) {
        // Messages published while disconnected are lost: once subscribed again, every waiter
        // re-reads. (ioredis resubscribes by itself too; a second SUBSCRIBE is harmless and
        // tells us when it is done.)
        sub.subscribe(this.channel).then(() => this.changes.notifyAll(), (err) => this.onError('subscribe', err))
      }
      connectedBefore = true
    })
    return sub
  }

  // Keys being watched, for tests.
  get watchedKeys (): number {
    return this.changes.size
  }

  async close (): Promise<void> {
    this.subscriber?.disconnect()
    this.client.disconnect()
  }
}
