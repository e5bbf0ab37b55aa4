import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'

export interface Proc {
  child: ChildProcess
  url: string
  pid: number
  stop: () => Promise<void>
}

// Starts a Node process that prints `READY <url>` (or the gateway's "listening on <url>").
export async function startProcess (script: string, args: string[] = [], env: Record<string, string> = {}, nodeFlags: string[] = []): Promise<Proc> {
  const child = spawn(process.execPath, [...nodeFlags, script, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stdout!.on('data', (d) => { out += d })
  child.stderr!.on('data', (d) => { err += d })
  const until = Date.now() + 60_000
  let match: RegExpExecArray | null = null
  while (!(match = /(?:READY|listening on) (http:\/\/[^\s)]+)/.exec(out))) {
    if (child.exitCode !== null || Date.now() > until) throw new Error(`${script} did not start: ${err.slice(0, 500)}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  return {
    child,
    url: match[1],
    pid: child.pid!,
    stop: async () => {
      if (child.exitCode !== null) return
      child.kill('SIGTERM')
      await new Promise((resolve) => child.once('exit', resolve))
    }
  }
}

// CPU seconds (user + system) a process has used so far, from /proc (Linux).
export function cpuSeconds (pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const ticks = Number(fields[11]) + Number(fields[12]) // utime, stime
  return ticks / 100 // USER_HZ is 100 on Linux
}

export function rssMb (pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0)
  return kb / 1024
}

// CPU seconds of a process's main thread (its JavaScript, and the GC work done on it) apart from its
// other threads (V8's parallel and concurrent GC helpers, the libuv pool): the main thread's share
// is what code changes move; the rest is mostly garbage collection.
export function mainThreadCpuSeconds (pid: number): number {
  const stat = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100
}
