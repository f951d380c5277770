import { Type } from 'typebox'
import { listTranscripts, MAX_PROMPT_CHARS, promptTranscript, transcriptInfo } from '../../actions/transcripts.js'
import { ORG_AND_PERSONAL, principalOf } from '../../http/auth.js'
import { errorResponses } from '../../http/schemas.js'
import type { V0App } from './index.js'
import { DateRangeQuery, Transcript, TranscriptMetadata, Uuid } from './meetingschemas.js'

/** transcript.list/info/prompt: organization tokens see every transcript, personal tokens those of meetings the user attended. */
const auth = { scopes: [['transcript:read']], models: ORG_AND_PERSONAL }

export default async function transcriptRoutes(app: V0App): Promise<void> {
  app.get(
    '/transcript.list',
    {
      schema: {
        summary: 'List meeting transcripts',
        description: 'Transcript metadata by start time (live ones without `end`). Personal tokens: meetings the user attended.',
        tags: ['Transcripts'],
        querystring: Type.Object(DateRangeQuery),
        response: { 200: Type.Object({ transcripts: Type.Array(TranscriptMetadata), nextCursor: Type.Optional(Type.String()) }), ...errorResponses(400, 401, 403) },
      },
      config: { auth },
    },
    async (request) => listTranscripts(app.ctx, principalOf(request), { ...request.query, limit: request.query.limit ?? 10 }),
  )

  app.get(
    '/transcript.info',
    {
      schema: {
        summary: 'Get meeting transcript',
        description: 'Cues (ms offsets), summary and action items. `sinceOffset` returns only cues starting at or after it, for polling live transcripts.',
        tags: ['Transcripts'],
        querystring: Type.Object({ id: Uuid, sinceOffset: Type.Optional(Type.Integer({ minimum: 0 })) }),
        response: { 200: Transcript, ...errorResponses(400, 401, 403, 404) },
      },
      config: { auth },
    },
    async (request) => transcriptInfo(app.ctx, principalOf(request), request.query.id, request.query.sinceOffset ?? 0),
  )

  app.post(
    '/transcript.prompt',
    {
      schema: {
        summary: 'Ask a question about a transcript',
        description:
          'Answers from the transcript with the configured language model; without one, quotes the most relevant cues and says so. ' +
          'Same access as transcript.info (personal tokens: meetings the user attended).',
        tags: ['Transcripts'],
        body: Type.Object({ id: Uuid, prompt: Type.String({ minLength: 1, maxLength: MAX_PROMPT_CHARS }) }),
        response: { 200: Type.Object({ response: Type.String() }), ...errorResponses(400, 401, 403, 404) },
      },
      config: { auth },
    },
    async (request) => promptTranscript(app.ctx, principalOf(request), request.body.id, request.body.prompt, request.log),
  )
}
