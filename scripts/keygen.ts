// Makes a new API key and prints it once, with its SHA-256 hash and a config snippet.
// Usage: npm run keygen -- [--name soar] [--scopes incidents:read,incidents:write] [--providers zwa,cloudlock] (--help)
import { createHash, randomBytes } from 'node:crypto'
import { parseArgs } from 'node:util'
import { PROVIDER_ID_PATTERN, SCOPES } from '../src/schemas/enums.ts'

const USAGE = `Usage: npm run keygen -- [--name <name>] [--scopes <list>] [--providers <list>]
Makes a new API key, prints it once with its SHA-256 and the api_keys entry for the configuration.
  --name <name>        key name (1-64 of A-Z a-z 0-9 . _ -), default client
  --scopes <list>      comma list of ${SCOPES.join(', ')}; default incidents:read
  --providers <list>   comma list of provider ids the key may use; default every provider
  --help               this text
Example: npm run keygen -- --name soar --scopes incidents:read,incidents:write,evidence:read
`

function fail (message: string): never {
  process.stderr.write(`keygen: ${message}\n`)
  process.exit(2)
}

// A bad flag is one line and exit 2, never a stack trace.
function parse () {
  try {
    return parseArgs({
      options: {
        name: { type: 'string', default: 'client' },
        scopes: { type: 'string', default: 'incidents:read' },
        providers: { type: 'string' },
        help: { type: 'boolean', short: 'h' }
      }
    }).values
  } catch (err) {
    return fail(`${(err as Error).message} (--help prints the usage)`)
  }
}

const values = parse()
if (values.help === true) {
  process.stdout.write(USAGE)
  process.exit(0)
}

const name = values.name ?? 'client'
if (!/^[A-Za-z0-9._-]{1,64}$/.test(name)) fail('--name must be 1 to 64 of A-Z a-z 0-9 . _ -')
const scopes = (values.scopes ?? '').split(',').map((s) => s.trim()).filter(Boolean)
const badScope = scopes.find((s) => !(SCOPES as readonly string[]).includes(s))
if (scopes.length === 0 || badScope) fail(`--scopes must be a comma list of ${SCOPES.join(', ')}`)
const providers = values.providers?.split(',').map((s) => s.trim()).filter(Boolean)
if (providers?.some((p) => !new RegExp(PROVIDER_ID_PATTERN).test(p))) fail('--providers must be provider ids')

const key = `dlpgw_${randomBytes(32).toString('base64url')}`
const hash = createHash('sha256').update(key).digest('hex')
process.stdout.write([
  `API key (shown once; give it to the client, store it nowhere else): ${key}`,
  `SHA-256: ${hash}`,
  '',
  'Config (api_keys in the GATEWAY_CONFIG file):',
  `  - name: ${name}`,
  `    sha256: "${hash}"`,
  `    scopes: [${scopes.join(', ')}]`,
  ...(providers ? [`    providers: [${providers.join(', ')}]`] : []),
  ''
].join('\n'))
