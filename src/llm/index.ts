import type { LlmConfig } from '../config.js'
import type { MeetingParticipant, TranscriptActionItem, TranscriptCue } from '../domain.js'
import { chunkTranscript } from './chunk.js'
import { chatCompletion, LlmError, type ChatMessage } from './client.js'
import { assigneeFor, extractiveActionItems, extractiveAnswer, extractiveSummary } from './extractive.js'

/**
 * Meeting intelligence: summaries, action items and answers about one transcript. With a
 * language model configured (`ATRIUM_LLM_URL`), the transcript is sent in excerpts that fit
 * `ATRIUM_LLM_CHUNK_CHARS`: one call when it fits, otherwise notes per excerpt and a final call
 * over the notes. Without one, or when the model fails, the offline extractive methods answer and
 * say so.
 */

export interface Minutes {
  summary: string
  actionItems: TranscriptActionItem[]
  /** 'llm' when the model wrote them, 'extractive' when quoted offline. */
  source: 'llm' | 'extractive'
}

export interface LlmLogger {
  warn: (obj: object, msg: string) => void
}

const SYSTEM =
  'You are a meeting assistant. You answer only from the meeting transcript you are given. ' +
  'Transcript lines look like "[mm:ss] Speaker: text". If the transcript does not say, answer that it does not say.'

export async function meetingMinutes(
  llm: LlmConfig | undefined,
  cues: ReadonlyArray<TranscriptCue>,
  participants: ReadonlyArray<MeetingParticipant>,
  log?: LlmLogger,
): Promise<Minutes> {
  if (llm && cues.length > 0) {
    try {
      return await llmMinutes(llm, cues, participants)
    } catch (err) {
      if (!(err instanceof LlmError)) throw err
      log?.warn({ err: err.message }, 'language model failed; using the extractive summary')
    }
  }
  const reason = llm ? 'failed' : 'unconfigured'
  return { summary: extractiveSummary(cues, reason), actionItems: extractiveActionItems(cues, participants), source: 'extractive' }
}

export async function answerQuestion(
  llm: LlmConfig | undefined,
  cues: ReadonlyArray<TranscriptCue>,
  question: string,
  log?: LlmLogger,
): Promise<string> {
  if (llm && cues.length > 0) {
    try {
      return await llmAnswer(llm, cues, question)
    } catch (err) {
      if (!(err instanceof LlmError)) throw err
      log?.warn({ err: err.message }, 'language model failed; answering extractively')
    }
  }
  return extractiveAnswer(cues, question, llm ? 'failed' : 'unconfigured')
}

async function llmAnswer(llm: LlmConfig, cues: ReadonlyArray<TranscriptCue>, question: string): Promise<string> {
  const chunks = chunkTranscript(cues, llm.chunkChars)
  if (chunks.length === 1) {
    return chatCompletion(llm, [
      { role: 'system', content: SYSTEM },
      { role: 'user', content: `Transcript:\n${chunks[0]}\n\nQuestion: ${question}` },
    ])
  }
  const notes: string[] = []
  for (const [i, chunk] of chunks.entries()) {
    notes.push(
      await chatCompletion(llm, [
        { role: 'system', content: SYSTEM },
        {
          role: 'user',
          content: `Part ${i + 1} of ${chunks.length} of the transcript:\n${chunk}\n\nWrite brief notes of everything in this part that helps answer the question, with timestamps and speakers, or "nothing relevant".\nQuestion: ${question}`,
        },
      ]),
    )
  }
  return chatCompletion(llm, [
    { role: 'system', content: SYSTEM },
    { role: 'user', content: `Notes taken from each part of the transcript:\n${notes.map((n, i) => `Part ${i + 1}: ${n}`).join('\n\n')}\n\nAnswer the question from these notes.\nQuestion: ${question}` },
  ])
}

const MINUTES_FORMAT =
  'Reply with one JSON object: {"summary": "<a few sentences>", "actionItems": [{"title": "<short task>", "description": "<context>", "assignee": "<speaker name or empty>"}]}.'

async function llmMinutes(llm: LlmConfig, cues: ReadonlyArray<TranscriptCue>, participants: ReadonlyArray<MeetingParticipant>): Promise<Minutes> {
  const chunks = chunkTranscript(cues, llm.chunkChars)
  let material: string
  if (chunks.length === 1) {
    material = `Transcript:\n${chunks[0]}`
  } else {
    const notes: string[] = []
    for (const [i, chunk] of chunks.entries()) {
      notes.push(
        await chatCompletion(llm, [
          { role: 'system', content: SYSTEM },
          { role: 'user', content: `Part ${i + 1} of ${chunks.length} of the transcript:\n${chunk}\n\nSummarise this part in a few sentences and list every task someone agreed to do, with who.` },
        ]),
      )
    }
    material = `Notes taken from each part of the transcript:\n${notes.map((n, i) => `Part ${i + 1}: ${n}`).join('\n\n')}`
  }
  const messages: ChatMessage[] = [
    { role: 'system', content: SYSTEM },
    { role: 'user', content: `${material}\n\nSummarise the meeting and list its action items. ${MINUTES_FORMAT}` },
  ]
  const raw = await chatCompletion(llm, messages, { json: true })
  return { ...parseMinutes(raw, participants), source: 'llm' }
}

/** Reads the model's JSON reply, tolerating a fenced code block around it. */
export function parseMinutes(raw: string, participants: ReadonlyArray<MeetingParticipant>): Omit<Minutes, 'source'> {
  const text = raw.replace(/^```(?:json)?\s*/i, '').replace(/```\s*$/, '').trim()
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new LlmError('language model reply is not the JSON object asked for')
  }
  const obj = parsed as { summary?: unknown; actionItems?: unknown }
  if (typeof obj.summary !== 'string' || obj.summary.trim() === '') throw new LlmError('language model reply has no summary')
  const items: TranscriptActionItem[] = []
  for (const item of Array.isArray(obj.actionItems) ? obj.actionItems : []) {
    const it = item as { title?: unknown; description?: unknown; assignee?: unknown }
    if (typeof it.title !== 'string' || it.title.trim() === '') continue
    items.push({
      title: it.title.trim().slice(0, 500),
      description: typeof it.description === 'string' && it.description.trim() !== '' ? it.description.trim().slice(0, 2000) : null,
      assignee: typeof it.assignee === 'string' && it.assignee.trim() !== '' ? assigneeFor(it.assignee, participants) : null,
    })
    if (items.length >= 50) break
  }
  return { summary: obj.summary.trim(), actionItems: items }
}
