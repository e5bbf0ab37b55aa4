import pg from 'pg'

// A fresh database on the PostgreSQL of BENCH_DATABASE_URL (default: the local one, user postgres),
// dropped afterwards; null when none answers (the bench then uses the embedded store).
export async function benchDatabase (prefix: string): Promise<{ url: string, drop: () => Promise<void> } | null> {
  const admin = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
  const name = `${prefix}_${process.pid}`
  const run = async (sql: string) => {
    const client = new pg.Client({ connectionString: admin, connectionTimeoutMillis: 2000 })
    await client.connect()
    try { await client.query(sql) } finally { await client.end() }
  }
  try {
    await run(`CREATE DATABASE ${name}`)
  } catch {
    return null
  }
  const url = new URL(admin)
  url.pathname = `/${name}`
  return { url: url.toString(), drop: () => run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) }
}
