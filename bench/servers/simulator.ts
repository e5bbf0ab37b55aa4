// A vendor simulator in its own process, for benchmarks: `node bench/servers/simulator.ts <zwa|cloudlock> <count>`.
import { buildCloudlockSimulator } from '../../src/vendors/cloudlock/simulator/app.ts'
import { buildZwaSimulator } from '../../src/vendors/zwa/simulator/app.ts'

const [kind, countArg] = process.argv.slice(2)
const count = Number(countArg ?? 500)
const app = kind === 'zwa'
  ? await buildZwaSimulator({ keyId: 'bench-id', keySecret: 'bench-secret', count, requestLogSize: 100_000 })
  : await buildCloudlockSimulator({ token: 'bench-token', count, requestLogSize: 100_000 })
const url = await app.listen({ host: '127.0.0.1', port: 0 })
process.stdout.write(`READY ${url}\n`)
process.on('SIGTERM', () => { app.close().then(() => process.exit(0)) })
