/** Types for the parts of `webvtt-parser` Atrium uses (the package ships none). */
declare module 'webvtt-parser' {
  export interface WebVTTNode {
    type: 'text' | 'object' | 'timestamp'
    name?: string
    value?: string
    classes?: string[]
    children?: WebVTTNode[]
  }
  export interface WebVTTCue {
    id: string
    startTime: number
    endTime: number
    text: string
    tree: { children: WebVTTNode[] }
  }
  export interface WebVTTError {
    message: string
    line: number
    col?: number
  }
  export class WebVTTParser {
    constructor(entities?: Record<string, string>)
    parse(input: string, mode?: 'metadata' | 'chapters'): { cues: WebVTTCue[]; errors: WebVTTError[] }
  }
}
