import { spawn, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { createServer, connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Proc } from '../lib/processes.ts'

// nginx `proxy_pass` as the native floor of a proxy, when nginx is installed (it is optional: the
// benchmark skips it cleanly, and CI never needs it). One process (no master), one worker
// connection pool kept alive to the vendor, like the Node proxies; no logging.
export function nginxBinary (): string | null {
  for (const bin of ['nginx', '/usr/sbin/nginx']) {
    if (spawnSync(bin, ['-v'], { stdio: 'ignore' }).status === 0) return bin
  }
  return null
}

async function freePort (): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  await new Promise((resolve) => server.close(resolve))
  return port
}

export async function startNginx (bin: string, upstream: string): Promise<Proc> {
  const dir = mkdtempSync(join(tmpdir(), 'gw-nginx-'))
  mkdirSync(join(dir, 'logs'))
  const port = await freePort()
  const target = new URL(upstream)
  writeFileSync(join(dir, 'nginx.conf'), `
daemon off;
master_process off;
worker_processes 1;
error_log ${join(dir, 'logs/error.log')} warn;
pid ${join(dir, 'nginx.pid')};
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi;
  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  upstream vendor { server ${target.host}; keepalive 16; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://vendor;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering on;
    }
  }
}
`)
  const child = spawn(bin, ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'] })
  let err = ''
  child.stderr.on('data', (d) => { err += d })
  const until = Date.now() + 10_000
  while (!await accepts(port)) {
    if (child.exitCode !== null || Date.now() > until) throw new Error(`nginx did not start: ${err.slice(0, 500)}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  return {
    child,
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    stop: async () => {
      if (child.exitCode !== null) return
      child.kill('SIGQUIT')
      await new Promise((resolve) => child.once('exit', resolve))
    }
  }
}

function accepts (port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => { socket.destroy(); resolve(true) })
    socket.once('error', () => resolve(false))
  })
}
