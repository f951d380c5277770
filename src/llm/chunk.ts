import type { TranscriptCue } from '../domain.js'

/** `mm:ss` (or `h:mm:ss`) for a millisecond offset. */
export function formatOffset(ms: number): string {
  const total = Math.floor(ms / 1000)
  const h = Math.floor(total / 3600)
  const m = Math.floor((total % 3600) / 60)
  const s = total % 60
  const mmss = `${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`
  return h > 0 ? `${h}:${mmss}` : mmss
}

/** One line per cue, as the model reads the transcript: `[mm:ss] Speaker: text`. */
export function cueLine(cue: TranscriptCue): string {
  return `[${formatOffset(cue.startOffset)}] ${cue.speaker}: ${cue.text}`
}

/**
 * Splits the transcript into excerpts of at most `maxChars` characters, cutting only between
 * cues (a single cue longer than the budget is cut at the budget).
 */
export function chunkTranscript(cues: ReadonlyArray<TranscriptCue>, maxChars: number): string[] {
  const chunks: string[] = []
  let current = ''
  for (const cue of cues) {
    let line = cueLine(cue)
    if (line.length > maxChars) line = line.slice(0, maxChars)
    if (current !== '' && current.length + 1 + line.length > maxChars) {
      chunks.push(current)
      current = ''
    }
    current = current === '' ? line : `${current}\n${line}`
  }
  if (current !== '') chunks.push(current)
  return chunks
}
