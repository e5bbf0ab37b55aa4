import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { GatewayError } from '../../errors/gateway-error.ts'
import { problemResponses } from '../../schemas/responses.ts'
import {
  DeliveriesQuery, DeliveryList, RotatedSecret, RotateSecret, TestResult, WebhookCreate, WebhookIdParams, WebhookPatch
} from '../../schemas/webhook.ts'
import type { WebhookService } from '../../webhooks/webhook-service.ts'
import { principalOf } from './call-options.ts'

// /v1/webhooks (spec section 10, docs/webhooks.md): thin routes over src/webhooks/webhook-service.ts.
const ERRORS = [400, 401, 403, 404, 413, 415, 422, 429, 500, 503]
const READ = [400, 401, 403, 404, 429, 500, 503]
const scope = { scope: 'webhooks:manage' as const }
const tags = ['webhooks']

function serviceOf (app: FastifyInstance): WebhookService {
  if (app.webhooks) return app.webhooks
  throw new GatewayError('service_unavailable', 'Webhooks deliver from the change feed, which lives in the store: ' +
    'set DATABASE_URL (or DATA_DIR for one instance), or enable sync for a provider.')
}

// Every create, change, rotation and deletion is an audit event, whatever its outcome. The URL is
// logged by origin only: receivers often carry a token in the path or query.
const OPERATIONS: Record<string, string> = {
  createWebhook: 'create', updateWebhook: 'update', deleteWebhook: 'delete', rotateWebhookSecret: 'rotate_secret'
}
function audit (request: FastifyRequest, reply: FastifyReply, done: () => void): void {
  const operationId = (request.routeOptions.schema as { operationId?: string } | undefined)?.operationId ?? ''
  const params = request.params as { id?: string } | undefined
  const body = request.body as { url?: unknown } | undefined
  let origin: string | null = null
  try { if (typeof body?.url === 'string') origin = new URL(body.url).origin } catch {}
  const status = reply.statusCode
  request.server.audit({
    event: 'webhook.change',
    operation: OPERATIONS[operationId] ?? operationId,
    outcome: status < 400 ? 'ok' : `http_${status}`,
    status,
    key: request.principal?.name ?? null,
    webhook_id: params?.id ?? (reply as FastifyReply & { webhookId?: string }).webhookId ?? null,
    ...(origin ? { url_origin: origin } : {}),
    request_id: request.id
  }, 'webhook change')
  done()
}

const webhooks: FastifyPluginAsyncTypebox = async (app) => {
  app.decorateReply('webhookId', null)

  app.post('/webhooks', {
    config: scope,
    onResponse: audit,
    schema: {
      tags,
      operationId: 'createWebhook',
      summary: 'Create a webhook; the answer holds its signing secret, shown only once',
      description: 'Changes made after this moment are delivered, signed per Standard Webhooks. See docs/webhooks.md.',
      body: WebhookCreate,
      response: { 201: Type.Ref('WebhookCreated'), ...problemResponses(...ERRORS) }
    }
  }, async (request, reply) => {
    const created = await serviceOf(app).create(principalOf(request), request.body)
    ;(reply as FastifyReply & { webhookId?: string }).webhookId = created.id
    reply.code(201).header('location', `/v1/webhooks/${created.id}`)
    return created
  })

  app.get('/webhooks', {
    config: scope,
    schema: {
      tags,
      operationId: 'listWebhooks',
      description: 'Every webhook this API key created, with its state; never secrets.',
      summary: 'The webhooks of this API key',
      response: { 200: Type.Ref('WebhookList'), ...problemResponses(401, 403, 429, 500, 503) }
    }
  }, async (request) => ({ data: await serviceOf(app).list(principalOf(request)) }))

  app.get('/webhooks/:id', {
    config: scope,
    schema: {
      tags,
      operationId: 'getWebhook',
      description: 'Its state: enabled, why it was disabled (410 from the receiver, too many failures in a row), ' +
        'queued deliveries and failures in a row. Other keys get 404.',
      summary: 'One webhook: its state, and why it was disabled',
      params: WebhookIdParams,
      response: { 200: Type.Ref('Webhook'), ...problemResponses(...READ) }
    }
  }, async (request) => serviceOf(app).get(principalOf(request), request.params.id))

  app.patch('/webhooks/:id', {
    config: scope,
    onResponse: audit,
    schema: {
      tags,
      operationId: 'updateWebhook',
      description: 'Changes apply to changes queued from now on. `enabled: true` re-enables a disabled webhook: ' +
        'delivery resumes with changes made after this moment; `false` stops it and drops its queue.',
      summary: 'Change a webhook, or enable it again',
      params: WebhookIdParams,
      body: WebhookPatch,
      response: { 200: Type.Ref('Webhook'), ...problemResponses(...ERRORS) }
    }
  }, async (request) => serviceOf(app).update(principalOf(request), request.params.id, request.body))

  app.delete('/webhooks/:id', {
    config: scope,
    onResponse: audit,
    schema: {
      tags,
      operationId: 'deleteWebhook',
      description: 'Deletes the webhook, its queue and its attempt log.',
      summary: 'Delete a webhook and its queued deliveries',
      params: WebhookIdParams,
      response: { 204: Type.Null({ description: 'Deleted' }), ...problemResponses(...READ) }
    }
  }, async (request, reply) => {
    await serviceOf(app).delete(principalOf(request), request.params.id)
    return reply.code(204).send(null)
  })

  app.post('/webhooks/:id/rotate-secret', {
    config: scope,
    onResponse: audit,
    schema: {
      tags,
      operationId: 'rotateWebhookSecret',
      description: 'Answers a new secret once. Both secrets sign every delivery (two `v1,` signatures) until ' +
        '`previous_expires_at`, so receivers can switch without losing a delivery.',
      summary: 'A new signing secret; the old one keeps signing beside it for overlap_seconds',
      params: WebhookIdParams,
      body: Type.Optional(RotateSecret),
      response: { 200: RotatedSecret, ...problemResponses(...ERRORS) }
    }
  }, async (request) =>
    serviceOf(app).rotate(principalOf(request), request.params.id, request.body?.overlap_seconds ?? 86_400))

  app.post('/webhooks/:id/test', {
    config: scope,
    schema: {
      tags,
      operationId: 'testWebhook',
      description: 'A `webhook.test` ping signed like every delivery, sent now whatever the webhook\'s state; ' +
        'recorded among its attempts, never counted as a failure.',
      summary: 'Send a signed ping (type webhook.test) now and answer with the receiver\'s status',
      params: WebhookIdParams,
      response: { 200: TestResult, ...problemResponses(...READ) }
    }
  }, async (request) => serviceOf(app).test(principalOf(request), request.params.id))

  app.get('/webhooks/:id/deliveries', {
    config: scope,
    schema: {
      tags,
      operationId: 'listWebhookDeliveries',
      description: 'The last attempts (up to about 200 kept): message id (the webhook-id header), seq, attempt ' +
        'number, outcome, the receiver\'s status, latency and error. No payload bodies.',
      summary: 'Recent delivery attempts, newest first (status, latency, error; never bodies)',
      params: WebhookIdParams,
      querystring: DeliveriesQuery,
      response: { 200: DeliveryList, ...problemResponses(...READ) }
    }
  }, async (request) => ({
    data: await serviceOf(app).deliveries(principalOf(request), request.params.id, request.query.limit ?? 50)
  }))
}

export default webhooks
