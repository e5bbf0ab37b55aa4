import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import {
  CloseBody, IncidentParams, IncidentWriteHeaders, LabelsBody, NoteBody, ZwaIncidentParams
} from '../../../schemas/requests.ts'
import { writeProblemResponses } from '../../../schemas/responses.ts'
import { incidentWriteContext, principalOf } from '../call-options.ts'

const responses = { 200: Type.Ref('Incident'), ...writeProblemResponses() }

// Triage actions; each returns the updated incident and its ETag, and takes If-Match (docs/writes.md).
const actions: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/incidents/:id/close', {
    config: { scope: 'incidents:write' },
    schema: {
      tags: ['incidents'],
      operationId: 'closeIncident',
      summary: 'Close (resolve) an incident',
      description: 'ZWA: close with resolution code, label and notes. Cloudlock: `false_positive` gives DISMISSED, ' +
        'no classification RESOLVED, any other classification 422 `unsupported_value`; Cloudlock stores no notes or ' +
        'labels, so sending them is 422 `capability_not_supported`. What is sent is stored or refused, never dropped.',
      params: IncidentParams,
      headers: IncidentWriteHeaders,
      body: CloseBody,
      response: responses
    }
  }, async (request, reply) =>
    app.incidents.close(principalOf(request), request.params.id, request.body, incidentWriteContext(request, reply)))

  app.post('/incidents/:id/notes', {
    config: { scope: 'incidents:write' },
    schema: {
      tags: ['incidents'],
      operationId: 'addIncidentNote',
      summary: 'Add a note',
      description: 'ZWA only; other providers answer 422 `capability_not_supported`.',
      params: ZwaIncidentParams,
      headers: IncidentWriteHeaders,
      body: NoteBody,
      response: responses
    }
  }, async (request, reply) => app.incidents.addNote(principalOf(request), request.params.id, request.body.text,
    incidentWriteContext(request, reply)))

  app.post('/incidents/:id/labels', {
    config: { scope: 'incidents:write' },
    schema: {
      tags: ['incidents'],
      operationId: 'addIncidentLabels',
      summary: 'Add labels',
      description: 'ZWA only; other providers answer 422 `capability_not_supported`.',
      params: ZwaIncidentParams,
      headers: IncidentWriteHeaders,
      body: LabelsBody,
      response: responses
    }
  }, async (request, reply) => app.incidents.addLabels(principalOf(request), request.params.id, request.body.labels,
    incidentWriteContext(request, reply)))
}

export default actions
