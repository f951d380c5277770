// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- the package ships no types; this file declares them
/// <reference path="./webvtt-parser.d.ts" />
import { createRequire } from 'node:module'
import { parse as parseSrt } from '@plussub/srt-vtt-parser'
import type { WebVTTNode, WebVTTParser as WebVTTParserClass } from 'webvtt-parser'
import type { TranscriptCue } from '../domain.js'
import { fail } from '../errors.js'

/**
 * Transcript files: WebVTT (`webvtt-parser`, the W3C validator's parser) and SRT
 * (`@plussub/srt-vtt-parser`). The speaker of a cue comes from a WebVTT voice span
 * (`<v Alex Chen>…`) or, in either format, from a leading `Name: ` (the convention of most meeting
 * recorders' exports). Offsets are integer milliseconds from the file's zero.
 */
export type TranscriptFormat = 'vtt' | 'srt'

export const UNKNOWN_SPEAKER = 'Unknown speaker'

const require = createRequire(import.meta.url)
// The full HTML entity table, so `&amp;`, `&eacute;`… decode as the WebVTT specification says.
const entities = require('webvtt-parser/html-entities.json') as Record<string, string>
// CommonJS whose exports Node's ESM loader cannot detect statically: load it through require.
const { WebVTTParser } = require('webvtt-parser') as { WebVTTParser: typeof WebVTTParserClass }

/** Picks the format from a file name (`.vtt`, `.srt`). */
export function formatFromFileName(name: string): TranscriptFormat | undefined {
  const ext = /\.([a-z]+)$/i.exec(name)?.[1]?.toLowerCase()
  return ext === 'vtt' ? 'vtt' : ext === 'srt' ? 'srt' : undefined
}

/** Parses a transcript file; every problem is a 400 naming `field` and the line. */
export function parseTranscript(content: string, format: TranscriptFormat, field = 'content'): TranscriptCue[] {
  const cues = format === 'vtt' ? parseVtt(content, field) : parseSrtFile(content, field)
  if (cues.length === 0) fail('invalid_request', `${field}: the ${format === 'vtt' ? 'WebVTT' : 'SRT'} file has no cues`)
  return cues.sort((a, b) => a.startOffset - b.startOffset)
}

function parseVtt(content: string, field: string): TranscriptCue[] {
  const result = new WebVTTParser(entities).parse(content.replace(/^\uFEFF/, ''), 'metadata')
  if (result.cues.length === 0 && result.errors.length > 0) {
    const first = result.errors[0]!
    fail('invalid_request', `${field}: not a WebVTT file (line ${first.line}: ${first.message})`)
  }
  const out: TranscriptCue[] = []
  for (const cue of result.cues) {
    const voice = findVoice(cue.tree.children)
    const text = normalise(textOf(cue.tree.children))
    if (text === '') continue
    out.push(withSpeaker(voice, text, Math.round(cue.startTime * 1000), Math.round(cue.endTime * 1000)))
  }
  return out
}

function parseSrtFile(content: string, field: string): TranscriptCue[] {
  let entries: ReturnType<typeof parseSrt>['entries']
  try {
    entries = parseSrt(content.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n')).entries
  } catch {
    fail('invalid_request', `${field}: not an SRT file`)
  }
  const out: TranscriptCue[] = []
  for (const entry of entries) {
    if (!Number.isFinite(entry.from) || !Number.isFinite(entry.to)) fail('invalid_request', `${field}: cue ${entry.id} has no valid timing`)
    const voice = /<v(?:\.[^\s>]*)?\s+([^>]+)>/.exec(entry.text)?.[1]
    const text = normalise(entry.text.replace(/<[^>]*>/g, ''))
    if (text === '') continue
    out.push(withSpeaker(voice?.trim(), text, Math.round(entry.from), Math.round(entry.to)))
  }
  return out
}

function findVoice(nodes: WebVTTNode[] | undefined): string | undefined {
  for (const node of nodes ?? []) {
    if (node.type === 'object' && node.name === 'v' && node.value) return node.value.trim()
    const inner = findVoice(node.children)
    if (inner) return inner
  }
  return undefined
}

function textOf(nodes: WebVTTNode[] | undefined): string {
  return (nodes ?? []).map((n) => (n.type === 'text' ? (n.value ?? '') : n.type === 'object' ? textOf(n.children) : '')).join('')
}

function normalise(text: string): string {
  return text.replace(/\s+/g, ' ').trim()
}

// "Alex Chen: text" — a short name of letters, spaces and name punctuation before the colon.
const namePrefix = /^([\p{L}][\p{L}\p{M} .'-]{0,62}):\s+(.+)$/u

function withSpeaker(voice: string | undefined, text: string, startOffset: number, endOffset: number): TranscriptCue {
  if (voice) return { speaker: voice, text, startOffset, endOffset: Math.max(endOffset, startOffset) }
  const match = namePrefix.exec(text)
  if (match && match[1]!.trim().split(/\s+/).length <= 4) {
    return { speaker: match[1]!.trim(), text: match[2]!, startOffset, endOffset: Math.max(endOffset, startOffset) }
  }
  return { speaker: UNKNOWN_SPEAKER, text, startOffset, endOffset: Math.max(endOffset, startOffset) }
}
