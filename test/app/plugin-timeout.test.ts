import t from 'tap'
import { buildTestApp } from '../helpers/build.ts'

// Opening the store (migrations under another replica's advisory lock, or the embedded store's
// WebAssembly boot on a busy host) may take longer than avvio's default 10 s: a gateway must wait
// for it rather than fail to start (src/app.ts).
t.test('plugins get a minute to start', async (t) => {
  const { app } = await buildTestApp()
  t.teardown(() => app.close())
  t.equal(app.initialConfig.pluginTimeout, 60_000)
})
