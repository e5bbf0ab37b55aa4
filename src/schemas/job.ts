import { Type, type Static, type TSchema } from 'typebox'
import { INCIDENT_ID_PATTERN } from './enums.ts'
import { DEMO_IDS } from './examples.ts'
import { CloseBody, LabelsBody, NoteBody, PatchBody } from './requests.ts'

// POST /v1/incidents/batch and GET /v1/jobs/{id} (spec section 11, docs/writes.md).
const closed = { additionalProperties: false } as const
const IncidentId = Type.String({
  maxLength: 128, pattern: INCIDENT_ID_PATTERN, description: '<provider id>:<native id>'
})
const IfMatch = Type.Optional(Type.String({
  minLength: 1, maxLength: 2048, description: 'as the If-Match header of the single write: 412 for this item when stale'
}))
const operation = <A extends string, B extends TSchema>(action: A, body: B) =>
  Type.Object({ id: IncidentId, action: Type.Literal(action), body, if_match: IfMatch }, closed)

export const BatchOperation = Type.Union([
  operation('update', PatchBody),
  operation('close', CloseBody),
  operation('note', NoteBody),
  operation('labels', LabelsBody)
])

export const BatchBody = Type.Object({
  operations: Type.Array(BatchOperation, { minItems: 1, maxItems: 500 }),
  dry_run: Type.Optional(Type.Boolean({
    default: false, description: 'true: answer 200 with each item\'s verdict after reads only; nothing is written'
  }))
}, {
  ...closed,
  examples: [{
    operations: [
      { id: DEMO_IDS.cloudlock, action: 'close', body: { classification: 'false_positive' } },
      { id: DEMO_IDS.zwa, action: 'note', body: { text: 'Bulk triage after the policy fix.' } }
    ],
    dry_run: true
  }]
})

export const JobAccepted = Type.Object({
  job_id: Type.String(),
  state: Type.Literal('queued'),
  total: Type.Integer({ minimum: 1 })
}, closed)

export const ItemVerdict = Type.Object({
  index: Type.Integer({ minimum: 0 }),
  id: Type.String(),
  verdict: Type.Enum(['would_succeed', 'refused'], { type: 'string' }),
  etag: Type.Optional(Type.String({ description: 'the incident\'s current ETag, when it was read' })),
  error: Type.Optional(Type.Ref('Problem'))
}, closed)

export const DryRunResult = Type.Object({
  dry_run: Type.Literal(true),
  results: Type.Array(ItemVerdict)
}, closed)

export const JobItemResult = Type.Object({
  index: Type.Integer({ minimum: 0 }),
  id: Type.String(),
  status: Type.Enum(['succeeded', 'failed', 'skipped'], { type: 'string' }),
  incident: Type.Optional(Type.Ref('Incident')),
  etag: Type.Optional(Type.String()),
  error: Type.Optional(Type.Ref('Problem'))
}, closed)

export const Job = Type.Object({
  id: Type.String(),
  state: Type.Enum(['queued', 'running', 'done'], { type: 'string' }),
  progress: Type.Object({ done: Type.Integer({ minimum: 0 }), total: Type.Integer({ minimum: 1 }) }, closed),
  created_at: Type.String({ format: 'date-time' }),
  finished_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  results: Type.Array(JobItemResult, { description: 'finished items in index order' })
}, { ...closed, $id: 'Job', title: 'Job' })

export const JobParams = Type.Object({
  job_id: Type.String({
    pattern: '^job_[A-Za-z0-9_-]{16,64}$',
    maxLength: 68,
    description: 'the job_id of the 202 answer',
    examples: ['job_Zy3kP0x8QkWm4rT1aV9nCw']
  })
}, closed)

export type BatchOperationT = Static<typeof BatchOperation>
export type BatchBodyT = Static<typeof BatchBody>
export type JobT = Static<typeof Job>
export type JobItemResultT = Static<typeof JobItemResult>
export type ItemVerdictT = Static<typeof ItemVerdict>
