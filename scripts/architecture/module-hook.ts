// Loaded with `node --import` into the gateway by loaded-modules.ts: appends the URL of every module
// the process loads (ESM and require, through Node 24's in-thread module.registerHooks) to the file
// $ARCHITECTURE_MODULES_OUT, one a line, before the module runs. So the file always holds what has
// been loaded so far and no signal is needed (the gateway's close-with-grace exits on SIGUSR2).
import { appendFileSync } from 'node:fs'
import { registerHooks } from 'node:module'

const out = process.env.ARCHITECTURE_MODULES_OUT
const seen = new Set<string>()

if (out) {
  registerHooks({
    load (url, context, nextLoad) {
      if (!seen.has(url)) {
        seen.add(url)
        appendFileSync(out, `${url}\n`)
      }
      return nextLoad(url, context)
    }
  })
}
