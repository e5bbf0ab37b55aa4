import neostandard from 'neostandard'

export default neostandard({
  ts: true,
  ignores: ['node_modules/**', '.tap/**', 'coverage/**', 'clients/typescript/schema.ts'] // schema.ts: generated
})
