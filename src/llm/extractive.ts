import MiniSearch from 'minisearch'
import type { MeetingParticipant, TranscriptActionItem, TranscriptCue } from '../domain.js'
import { formatOffset } from './chunk.js'

/**
 * Offline methods used when no language model is configured (or it fails). They never write text
 * of their own about the meeting: summaries and answers are sentences quoted from the transcript,
 * and every result says it was extracted.
 */

/** Why the extractive method answers: no model configured, or the configured one failed. */
export type ExtractiveReason = 'unconfigured' | 'failed'

const why = (reason: ExtractiveReason) => (reason === 'failed' ? 'The language model is unavailable' : 'No language model is configured')

export function summaryPrefix(reason: ExtractiveReason): string {
  return `Extractive summary (${reason === 'failed' ? 'language model unavailable' : 'no language model'}; sentences quoted from the transcript): `
}

interface Sentence {
  text: string
  speaker: string
  startOffset: number
  index: number
}

const stopWords = new Set(
  'a an and are as at be but by for from has have he her his i if in into is it its just me my no not of on or our she so that the their them then there these they this to too up us was we were what when which who will with you your yeah okay ok um uh like really very well right also can do does did get got go going im ive dont thats'.split(' '),
)

function words(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/['’]/g, '')
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 1 && !stopWords.has(w))
}

function sentencesOf(cues: ReadonlyArray<TranscriptCue>): Sentence[] {
  const out: Sentence[] = []
  for (const cue of cues) {
    const parts = cue.text.match(/[^.!?]+[.!?]*/g) ?? [cue.text]
    for (const part of parts) {
      const text = part.trim()
      if (text !== '') out.push({ text, speaker: cue.speaker, startOffset: cue.startOffset, index: out.length })
    }
  }
  return out
}

/**
 * Picks the sentences that carry the transcript's most frequent content words (Luhn's method),
 * keeps them in spoken order and quotes them. At most five sentences, about one in ten.
 */
export function extractiveSummary(cues: ReadonlyArray<TranscriptCue>, reason: ExtractiveReason = 'unconfigured'): string {
  const sentences = sentencesOf(cues).filter((s) => words(s.text).length >= 3)
  if (sentences.length === 0) return `${summaryPrefix(reason)}(the transcript has no substantive sentences)`
  const freq = new Map<string, number>()
  for (const s of sentences) for (const w of new Set(words(s.text))) freq.set(w, (freq.get(w) ?? 0) + 1)
  const score = (s: Sentence) => {
    const ws = words(s.text)
    return ws.reduce((sum, w) => sum + (freq.get(w) ?? 0), 0) / Math.sqrt(ws.length)
  }
  const count = Math.min(5, Math.max(1, Math.ceil(sentences.length / 10)))
  const picked = [...sentences]
    .sort((a, b) => score(b) - score(a) || a.index - b.index)
    .slice(0, count)
    .sort((a, b) => a.index - b.index)
  return summaryPrefix(reason) + picked.map((s) => `${s.speaker}: "${s.text}"`).join(' ')
}

// Commitments and requests: "I'll…", "I will…", "we need to…", "action item", "can you…", "let's…".
const commitment = /\b(i['’]ll|i will|i am going to|i['’]m going to|we need to|we should|we will|we['’]ll|action item|to-?do|follow up|can you|could you|please|let['’]s|make sure)\b/i
const firstPerson = /^(ok(ay)?,?\s+)?(i['’]ll|i will|i am going to|i['’]m going to)\b/i

/**
 * Sentences that state a commitment or a request, quoted as the action item's title. The
 * assignee is the speaker for first-person commitments ("I'll send the deck"), as the speaker's
 * `U-…` address when the speaker is a member participant, else the speaker's name.
 */
export function extractiveActionItems(cues: ReadonlyArray<TranscriptCue>, participants: ReadonlyArray<MeetingParticipant>): TranscriptActionItem[] {
  const items: TranscriptActionItem[] = []
  for (const s of sentencesOf(cues)) {
    if (!commitment.test(s.text) || words(s.text).length < 2) continue
    items.push({
      title: s.text,
      description: `Quoted from ${s.speaker} at ${formatOffset(s.startOffset)} (extracted without a language model).`,
      assignee: firstPerson.test(s.text) ? assigneeFor(s.speaker, participants) : null,
    })
    if (items.length >= 20) break
  }
  return items
}

/** A speaker's name as an assignee: the member's `U-…` address when the name matches one. */
export function assigneeFor(name: string, participants: ReadonlyArray<MeetingParticipant>): string {
  const wanted = name.trim().toLowerCase()
  const match = participants.find((p) => p.name.toLowerCase() === wanted || p.email?.toLowerCase() === wanted)
  return match?.address ?? name
}

/**
 * Answers a question by quoting the cues most relevant to it, ranked by MiniSearch (BM25 with
 * prefix and fuzzy matching over cue text and speaker), in spoken order with speaker and offset.
 */
export function extractiveAnswer(cues: ReadonlyArray<TranscriptCue>, question: string, reason: ExtractiveReason = 'unconfigured', max = 5): string {
  const index = new MiniSearch<{ id: number; text: string; speaker: string }>({
    fields: ['text', 'speaker'],
    storeFields: [],
    processTerm: (term) => (stopWords.has(term.toLowerCase()) ? null : term.toLowerCase()),
    searchOptions: { boost: { text: 2 }, prefix: true, fuzzy: 0.2, combineWith: 'OR' },
  })
  index.addAll(cues.map((c, id) => ({ id, text: c.text, speaker: c.speaker })))
  const hits = index
    .search(question)
    .slice(0, max)
    .map((h) => h.id as number)
    .sort((a, b) => a - b)
  if (hits.length === 0) return `${why(reason)}, and no part of the transcript matches the question.`
  const lines = hits.map((i) => {
    const c = cues[i]!
    return `[${formatOffset(c.startOffset)}] ${c.speaker}: ${c.text}`
  })
  return `${why(reason)}, so here are the parts of the transcript most relevant to the question:\n${lines.join('\n')}`
}
