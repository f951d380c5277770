import type { LlmConfig } from '../config.js'

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
  let res: Response
  try {
    res = await fetch(config.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(config.apiKey ? { authorization: `Bearer ${config.apiKey}` } : {}),
      },
      body: JSON.stringify({
        model: config.model,
        messages,
        temperature: 0.2,
        stream: false,
        ...(opts.json ? { response_format: { type: 'json_object' } } : {}),
      }),
      signal: AbortSignal.timeout(config.timeoutMs),
    })
  } catch (err) {
    throw new LlmError(`language model unreachable: ${err instanceof Error ? err.message : String(err)}`)
  }
  if (!res.ok) throw new LlmError(`language model answered HTTP ${res.status}`)
  let body: unknown
  try {
    body = await res.json()
  } catch {
    throw new LlmError('language model answered with a body that is not JSON')
  }
  const content = (body as { choices?: Array<{ message?: { content?: unknown } }> }).choices?.[0]?.message?.content
  if (typeof content !== 'string') throw new LlmError('language model answer has no choices[0].message.content')
  return content.trim()
}
