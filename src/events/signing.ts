import { Webhook } from 'standardwebhooks'

/**
 * Standard Webhooks signing for every outbound call (webhook deliveries, interactivity): the
 * `webhook-id` (stable across retries of one delivery), `webhook-timestamp` (seconds, this attempt)
 * and `webhook-signature` headers, computed by the `standardwebhooks` library over the exact body.
 * A grant without a signing secret gets unsigned requests with only the id and timestamp.
 */
export function signedHeaders(secret: string | null, id: string, body: string, at: Date = new Date()): Record<string, string> {
  const timestamp = Math.floor(at.getTime() / 1000)
  const headers: Record<string, string> = { 'webhook-id': id, 'webhook-timestamp': String(timestamp) }
  if (secret) headers['webhook-signature'] = new Webhook(secret).sign(id, at, body)
  return headers
}
