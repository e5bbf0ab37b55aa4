import createClient, { type Client } from 'openapi-fetch'
import type { components, paths } from './schema.ts'

// A typed client of the gateway: paths, parameters, bodies and answers are checked against
// openapi.yaml (schema.ts is generated from it by `npm run client:generate`).
export type GatewayClient = Client<paths>
export type Incident = components['schemas']['Incident']
export type IncidentList = components['schemas']['IncidentList']
export type Problem = components['schemas']['Problem']
export type Severity = components['schemas']['Severity']
export type Status = components['schemas']['Status']
export type { components, paths }

export function createGatewayClient (baseUrl: string, apiKey: string, options: { fetch?: typeof fetch } = {}): GatewayClient {
  return createClient<paths>({
    baseUrl: baseUrl.replace(/\/+$/, ''),
    headers: { authorization: `Bearer ${apiKey}` },
    // List filters travel comma separated (`severity=high,critical`), as openapi.yaml declares.
    querySerializer: { array: { style: 'form', explode: false } },
    ...(options.fetch ? { fetch: options.fetch } : {})
  })
}
