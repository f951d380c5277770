import type { LlmConfig } from '../config.js'
import { sendOutbound } from '../net/outbound.js'

/** Longest answer read from the model, in characters (a JSON body beyond it is cut, hence not JSON). */
const MAX_ANSWER_CHARS = 4_000_000

/** One message of an OpenAI-compatible chat completion. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant'
  content: string
}

export class LlmError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'LlmError'
  }
}

/**
 * Calls an OpenAI-compatible `/v1/chat/completions` endpoint (OpenAI, llama.cpp's server, Ollama,
 * vLLM…) and returns the first choice's text. Any transport problem, non-2xx answer or malformed
 * body is an LlmError; callers decide how to degrade.
 */
export async function chatCompletion(config: LlmConfig, messages: ChatMessage[], opts: { json?: boolean } = {}): Promise<string> {
  // Through the outbound guard like every other request Atrium makes.
  const result = await sendOutbound(
    config.url,
    {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Atrium/1',
        ...(config.apiKey ? { authorization: `Bearer ${config.apiKey}` } : {}),
      },
      body: JSON.stringify({
        model: config.model,
        messages,
        temperature: 0.2,
        stream: false,
        ...(opts.json ? { response_format: { type: 'json_object' } } : {}),
      }),
    },
    { timeoutMs: config.timeoutMs, allowPrivate: config.allowPrivateUrls ?? false, maxResponseChars: MAX_ANSWER_CHARS },
  )
  if (result.kind === 'timeout') throw new LlmError(`language model unreachable: no answer within ${config.timeoutMs} ms`)
  if (result.kind === 'blocked') throw new LlmError(`language model refused by the outbound guard: ${result.error}`)
  if (result.kind === 'network') throw new LlmError(`language model unreachable: ${result.error}`)
  if (result.status < 200 || result.status > 299) throw new LlmError(`language model answered HTTP ${result.status}`)
  let body: unknown
  try {
    body = JSON.parse(result.body)
  } catch {
    throw new LlmError('language model answered with a body that is not JSON')
  }
  const content = (body as { choices?: Array<{ message?: { content?: unknown } }> }).choices?.[0]?.message?.content
  if (typeof content !== 'string') throw new LlmError('language model answer has no choices[0].message.content')
  return content.trim()
}
