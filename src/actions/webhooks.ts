import { requireWebhookSubscriber } from '../access.js'
import type { Context } from '../context.js'
import type { DeliveryStatus, Principal, WebhookAttempt, WebhookDelivery, WebhookSubscription } from '../domain.js'
import { fail } from '../errors.js'
import { isUuid } from '../ids.js'
import { randomBytes } from 'node:crypto'
import { apiVersionProblem, atLeast, type ApiVersion } from '../api-versions.js'
import { filterProblem, normalizeEventName, SUBSCRIBABLE_EVENTS, v1EventName, type SubscriptionFilter } from '../events/catalogue.js'
import { signedHeaders } from '../events/signing.js'
import { verificationEnvelope } from '../events/v1-payloads.js'
import { newTimeOrderedId } from '../ids.js'
import { checkOutboundUrl, postOutbound } from '../net/outbound.js'
import {
  appSigningSecret,
  attemptsOf,
  deleteSubscription,
  findDelivery,
  findSubscription,
  findSubscriptionByEventUrl,
  listDeliveries,
  listSubscriptions,
  requeueDelivery,
  setSubscriptionStatus,
  upsertSubscription,
} from '../store/repos/webhooks.js'
import { microsToIso, nowMicros } from '../time.js'
import { newSigningSecret } from './clients.js'

/** A subscription as webhook.subscribe and webhook.list show it (webhooks.json `Webhook`). */
export interface WebhookView {
  id: string
  event: string
  url: string
  filter?: SubscriptionFilter
  /** `/v1` subscriptions: the dated version of their deliveries. */
  apiVersion?: string
  /** Atrium extension: 'active' or 'disabled' (after repeated failures). */
  status: 'active' | 'disabled'
  /** Atrium extension: true for the app's configured webhook URL (every event). */
  static?: boolean
  /**
   * Atrium extension, on creation only, for personal access tokens (which have no app and so no
   * app signing secret): the secret that signs this subscription's deliveries.
   */
  signingSecret?: string
}

function view(sub: WebhookSubscription): WebhookView {
  return {
    id: sub.id,
    event: sub.event,
    url: sub.url,
    ...(sub.filter ? { filter: sub.filter as SubscriptionFilter } : {}),
    ...(sub.apiVersion !== null ? { apiVersion: sub.apiVersion } : {}),
    status: sub.status,
    ...(sub.kind === 'static' ? { static: true } : {}),
  }
}

/**
 * Whose subscriptions a caller manages: an organization app's own, or those a personal grant made
 * for its user (through its OAuth app, or through one personal access token).
 */
function ownerOf(principal: Principal): string {
  if (principal.model === 'organization') return `app:${principal.app.id}`
  return `user:${principal.user.id}:${principal.app?.id ?? principal.credential.id}`
}

export interface SubscribeInput {
  url: string
  event: string
  filter?: SubscriptionFilter | null
}

/** `webhook.subscribe`: creates a subscription, or updates the filter of the one with the same event and URL. */
export async function subscribe(ctx: Context, principal: Principal, input: SubscribeInput): Promise<WebhookView> {
  requireWebhookSubscriber(principal)
  const event = normalizeEventName(input.event)
  if (!event) fail('invalid_request', `event: unknown event ${JSON.stringify(input.event)}; one of ${SUBSCRIBABLE_EVENTS.join(', ')}`)
  const filter = input.filter ?? null
  if (filter) {
    const problem = filterProblem(event, filter)
    if (problem) fail('invalid_request', problem)
  }
  return saveSubscription(ctx, principal, { event, url: input.url, filter, apiVersion: null })
}

export interface V1SubscribeInput extends SubscribeInput {
  /** The dated version of the deliveries (Roam's n8n node); `version` is the same (Roam's OpenClaw plugin). */
  apiVersion?: string
  version?: string
}

/**
 * `/v1/webhook.subscribe`: dot-named `/v1` events, their filters, and the dated version the
 * deliveries follow (the body's `apiVersion`/`version`, else the request's served version). From
 * `2026-07-23` the endpoint must first echo a signed challenge.
 */
export async function subscribeV1(ctx: Context, principal: Principal, input: V1SubscribeInput, served: ApiVersion): Promise<WebhookView> {
  requireWebhookSubscriber(principal)
  const named = v1EventName(input.event)
  if ('problem' in named) fail('invalid_request', named.problem)
  const filter = input.filter ?? null
  if (filter) {
    const problem = filterProblem(named.event, filter)
    if (problem) fail('invalid_request', problem)
  }
  if (input.apiVersion !== undefined && input.version !== undefined && input.apiVersion !== input.version) {
    fail('invalid_request', `apiVersion: ${input.apiVersion} differs from version ${input.version}; send one of them`)
  }
  const asked = input.apiVersion ?? input.version
  const field = input.apiVersion !== undefined ? 'apiVersion' : 'version'
  if (asked !== undefined) {
    const problem = apiVersionProblem(asked, new Date(), field)
    if (problem) fail('invalid_request', problem)
  }
  const apiVersion = (asked ?? served) as ApiVersion
  return saveSubscription(ctx, principal, { event: named.event, url: input.url, filter, apiVersion })
}

async function saveSubscription(
  ctx: Context,
  principal: Principal,
  input: { event: string; url: string; filter: SubscriptionFilter | null; apiVersion: ApiVersion | null },
): Promise<WebhookView> {
  const urlProblem = await checkOutboundUrl(input.url, ctx.config.allowPrivateUrls)
  if (urlProblem) fail('invalid_request', `url: ${urlProblem}`)

  // A personal access token has no app, hence no app signing secret: its subscriptions get their own.
  const owner = ownerOf(principal)
  const needsOwnSecret = principal.model === 'personal' && !principal.app
  const existing = needsOwnSecret ? await findSubscriptionByEventUrl(ctx.db, owner, input.event, input.url) : undefined
  const ownSecret = needsOwnSecret ? (existing?.signingSecret ?? newSigningSecret()) : null
  if (input.apiVersion !== null && atLeast(input.apiVersion, '2026-07-23')) {
    const secret = ownSecret ?? (principal.app ? await appSigningSecret(ctx.db, principal.app.id) : null)
    await verifyEndpoint(ctx, input.url, secret, input.event, input.apiVersion)
  }
  const { subscription, created } = await ctx.db.transaction().execute((tx) =>
    upsertSubscription(tx, {
      orgId: principal.orgId,
      owner,
      model: principal.model,
      appId: principal.app?.id ?? null,
      userId: principal.model === 'personal' ? principal.user.id : null,
      credentialId: principal.credential.id,
      grantId: principal.credential.grantId,
      scopes: [...principal.scopes],
      kind: 'dynamic',
      event: input.event,
      url: input.url,
      filter: input.filter,
      signingSecret: ownSecret,
      apiVersion: input.apiVersion,
      at: nowMicros(),
    }),
  )
  const out = view(subscription)
  if (created && subscription.signingSecret) out.signingSecret = subscription.signingSecret
  return out
}

/**
 * The subscribe-time challenge (`2026-07-23` and later): a signed `webhook.verification`
 * envelope, signed with the secret the deliveries will use; the endpoint must answer 2xx with
 * JSON `{"challenge": "<the same>"}` within the webhook time limit.
 */
async function verifyEndpoint(ctx: Context, url: string, secret: string | null, event: string, version: ApiVersion): Promise<void> {
  const id = newTimeOrderedId()
  const challenge = randomBytes(24).toString('base64url')
  const body = verificationEnvelope(id, challenge, event, version, nowMicros())
  const timeoutMs = ctx.config.webhooks.timeoutMs
  const result = await postOutbound(url, body, signedHeaders(secret, id, body), { timeoutMs, allowPrivate: ctx.config.allowPrivateUrls })
  const expect = `it must answer 2xx with the JSON {"challenge": "<the challenge it received>"}`
  if (result.kind === 'timeout') fail('invalid_request', `url: the endpoint did not answer the verification challenge within ${timeoutMs} ms; ${expect}`)
  if (result.kind !== 'response') fail('invalid_request', `url: the verification challenge could not be delivered (${result.error}); ${expect}`)
  // What the endpoint said is described, never repeated: the answer is not shown to the caller
  // (a subscribe must not become a way to read other servers' pages).
  if (result.status < 200 || result.status > 299) fail('invalid_request', `url: the endpoint answered the verification challenge with HTTP ${result.status}; ${expect}`)
  let echoed: unknown
  let json = true
  try {
    echoed = (JSON.parse(result.body) as { challenge?: unknown } | null)?.challenge
  } catch {
    json = false
  }
  if (echoed !== challenge) {
    const what = !json ? 'a body that is not JSON' : echoed === undefined ? 'JSON without a challenge' : 'a different challenge'
    fail('invalid_request', `url: the endpoint answered the verification challenge with HTTP ${result.status} and ${what}; ${expect}`)
  }
}

export interface UnsubscribeInput {
  id?: string
  url?: string
  event?: string
}

/** `webhook.unsubscribe`: by id, or by event and URL (`/v1` names on `/v1`). */
export async function unsubscribe(ctx: Context, principal: Principal, input: UnsubscribeInput, surface: 'v0' | 'v1' = 'v0'): Promise<void> {
  let sub: WebhookSubscription | undefined
  if (input.id !== undefined) {
    if (!isUuid(input.id)) fail('invalid_request', 'id: must be a subscription id (UUID)')
    sub = await findSubscription(ctx.db, principal.orgId, input.id)
  } else if (input.url !== undefined && input.event !== undefined) {
    let event: string | undefined
    if (surface === 'v1') {
      const named = v1EventName(input.event)
      if ('problem' in named) fail('invalid_request', named.problem)
      event = named.event
    } else event = normalizeEventName(input.event)
    if (!event) fail('invalid_request', `event: unknown event ${JSON.stringify(input.event)}`)
    sub = await findSubscriptionByEventUrl(ctx.db, ownerOf(principal), event, input.url)
  } else {
    fail('invalid_request', 'id: required (or url and event)')
  }
  if (!sub || sub.owner !== ownerOf(principal) || sub.kind !== 'dynamic') fail('not_found', 'Subscription not found.')
  await deleteSubscription(ctx.db, sub.id, nowMicros())
}

/** `webhook.list`: the caller's subscriptions, the app's static webhook URL included. */
export async function listOwnSubscriptions(ctx: Context, principal: Principal): Promise<WebhookView[]> {
  return (await listSubscriptions(ctx.db, principal.orgId, ownerOf(principal))).map(view)
}

// ---- administration -----------------------------------------------------------------------

export interface AdminWebhookView extends WebhookView {
  model: 'organization' | 'personal'
  appId: string | null
  userId: string | null
  consecutiveFailures: number
  disabledReason?: string
  createdAt: string
}

function adminView(sub: WebhookSubscription): AdminWebhookView {
  return {
    ...view(sub),
    model: sub.model,
    appId: sub.appId,
    userId: sub.userId,
    consecutiveFailures: sub.consecutiveFailures,
    ...(sub.disabledReason ? { disabledReason: sub.disabledReason } : {}),
    createdAt: microsToIso(sub.createdAt),
  }
}

export async function listAllSubscriptions(ctx: Context, orgId: string): Promise<AdminWebhookView[]> {
  return (await listSubscriptions(ctx.db, orgId)).map(adminView)
}

/** Re-enables a subscription that failed too often (or disables one by hand). */
export async function setSubscriptionEnabled(ctx: Context, orgId: string, id: string, enabled: boolean): Promise<AdminWebhookView> {
  const sub = await findSubscription(ctx.db, orgId, id)
  if (!sub) fail('not_found', 'Subscription not found.')
  await setSubscriptionStatus(ctx.db, id, enabled ? 'active' : 'disabled', enabled ? null : 'disabled by an administrator', nowMicros())
  return adminView((await findSubscription(ctx.db, orgId, id))!)
}

export interface AttemptView {
  attempt: number
  outcome: WebhookAttempt['outcome']
  statusCode?: number
  latencyMs: number
  response?: string
  error?: string
  at: string
}

export interface DeliveryView {
  /** Also the `webhook-id` header of every attempt. */
  id: string
  subscriptionId: string
  eventId: string
  event: string
  url: string
  status: DeliveryStatus
  attempts: AttemptView[]
  nextAttemptAt?: string
  createdAt: string
}

function deliveryView(d: WebhookDelivery, attempts: WebhookAttempt[]): DeliveryView {
  return {
    id: d.id,
    subscriptionId: d.subscriptionId,
    eventId: d.eventId,
    event: d.eventType,
    url: d.url,
    status: d.status,
    attempts: attempts.map((a) => ({
      attempt: a.attempt,
      outcome: a.outcome,
      ...(a.statusCode !== null ? { statusCode: a.statusCode } : {}),
      latencyMs: a.latencyMs,
      ...(a.response !== null ? { response: a.response } : {}),
      ...(a.error !== null ? { error: a.error } : {}),
      at: microsToIso(a.startedAt),
    })),
    ...(d.status === 'pending' && d.nextAttemptAt !== null ? { nextAttemptAt: microsToIso(d.nextAttemptAt) } : {}),
    createdAt: microsToIso(d.createdAt),
  }
}

export interface DeliveryLogQuery {
  subscriptionId?: string
  status?: DeliveryStatus
  limit: number
  cursor?: string
}

/** The delivery log, newest first, each delivery with every attempt. */
export async function deliveryLog(ctx: Context, orgId: string, q: DeliveryLogQuery): Promise<{ deliveries: DeliveryView[]; nextCursor?: string }> {
  const before = q.cursor === undefined ? undefined : decodeCursor(q.cursor)
  const rows = await listDeliveries(ctx.db, {
    orgId,
    limit: q.limit + 1,
    ...(q.subscriptionId ? { subscriptionId: q.subscriptionId } : {}),
    ...(q.status ? { status: q.status } : {}),
    ...(before ? { before } : {}),
  })
  const page = rows.slice(0, q.limit)
  const attempts = await attemptsOf(ctx.db, page.map((d) => d.id))
  const last = page[page.length - 1]
  return {
    deliveries: page.map((d) => deliveryView(d, attempts.get(d.id) ?? [])),
    ...(rows.length > q.limit && last ? { nextCursor: Buffer.from(JSON.stringify([last.createdAt, last.id])).toString('base64url') } : {}),
  }
}

function decodeCursor(cursor: string): { createdAt: number; id: string } {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown]
    if (typeof createdAt === 'number' && typeof id === 'string') return { createdAt, id }
  } catch {
    // fall through
  }
  fail('invalid_request', 'cursor: not a cursor from a previous nextCursor')
}

/** Sends a delivery again on the next dispatcher round, with the same `webhook-id`. */
export async function replayDelivery(ctx: Context, orgId: string, id: string): Promise<DeliveryView> {
  if (!isUuid(id)) fail('invalid_request', 'id: must be a delivery id (UUID)')
  const delivery = await findDelivery(ctx.db, orgId, id)
  if (!delivery) fail('not_found', 'Delivery not found.')
  await requeueDelivery(ctx.db, id, nowMicros())
  const updated = (await findDelivery(ctx.db, orgId, id))!
  return deliveryView(updated, (await attemptsOf(ctx.db, [id])).get(id) ?? [])
}
