import { randomUUID } from 'node:crypto'
import { mayReceiveEvent } from '../access.js'
import type { Context } from '../context.js'
import type { App, WebhookDelivery, WebhookSubscription } from '../domain.js'
import { postOutbound, type OutboundResult } from '../net/outbound.js'
import type { Executor } from '../store/db.js'
import { findApp } from '../store/repos/apps.js'
import { findCredentialPersona } from '../store/repos/credentials.js'
import { findGroup } from '../store/repos/groups.js'
import {
  activeSubscriptionsFor,
  appSigningSecret,
  chatKindOf,
  chatMembersOf,
  claimDueDeliveries,
  countFailure,
  groupMembersOf,
  insertDeliveries,
  lockCursor,
  personalGrantActive,
  recordAttempt,
  resetFailures,
  setCursor,
  setSubscriptionStatus,
  syncStaticSubscriptions,
  type ClaimedDelivery,
  type NewDelivery,
} from '../store/repos/webhooks.js'
import { outboxAfter, type OutboxRecord } from '../store/repos/outbox.js'
import { RepeatingTask } from '../repeating.js'
import { nowMicros } from '../time.js'
import { DELIVERED_EVENTS, passesFilter, shapePayload, v1EventOf, type SubscriptionFilter } from './catalogue.js'
import { v1Delivery } from './v1-payloads.js'
import { signedHeaders } from './signing.js'

const CURSOR = 'webhooks'
const delivered = new Set<string>(DELIVERED_EVENTS)

export interface DispatcherOptions {
  /** Current time in µs (tests move it forward to make retries and expired leases due). */
  clock?: () => number
  /** How long a claimed delivery stays reserved for this dispatcher. */
  leaseMs?: number
  /** Outbox rows fanned out per round. */
  batch?: number
  /** Deliveries claimed per round. */
  claimBatch?: number
  /** Parallel requests per round. */
  concurrency?: number
  /**
   * How long to wait for a missing outbox sequence number (a transaction still committing on
   * PostgreSQL) before passing over it.
   */
  gapWaitMs?: number
  /** Called right after a request returns and before its outcome is recorded. */
  afterSend?: (delivery: WebhookDelivery) => void | Promise<void>
  log?: { error: (obj: object, msg: string) => void }
}

export interface RoundResult {
  fannedOut: number
  attempted: number
}

/**
 * Delivers outbox events to webhook subscriptions, at least once.
 *
 * A round has two steps. Fan-out reads outbox rows past the `webhooks` cursor, decides which
 * subscriptions receive each (access rules, filters, scopes) and writes one pending delivery per
 * pair, advancing the cursor in the same transaction. Delivery claims due deliveries with a lease,
 * POSTs them signed, then records the attempt and the next state. A process that dies between the
 * POST and the bookkeeping leaves the lease to run out; the delivery is then sent again with the
 * same `webhook-id` (the delivery id). On PostgreSQL the cursor and the claimed rows are locked
 * with SKIP LOCKED, so several processes can run dispatchers without sending one attempt twice.
 */
export class Dispatcher {
  readonly id = randomUUID()
  private readonly clock: () => number
  private readonly leaseMicros: number
  private readonly batch: number
  private readonly claimBatch: number
  private readonly concurrency: number
  private readonly gapWaitMicros: number
  /** Polling: at once again while there is work, else after `ATRIUM_DISPATCH_INTERVAL_MS`. */
  private readonly polling: RepeatingTask<RoundResult>

  constructor(
    private readonly ctx: Context,
    private readonly opts: DispatcherOptions = {},
  ) {
    this.clock = opts.clock ?? nowMicros
    this.leaseMicros = (opts.leaseMs ?? Math.max(30_000, ctx.config.webhooks.timeoutMs * 4)) * 1000
    this.batch = opts.batch ?? 100
    this.claimBatch = opts.claimBatch ?? 50
    this.concurrency = opts.concurrency ?? 8
    this.gapWaitMicros = (opts.gapWaitMs ?? 5000) * 1000
    this.polling = new RepeatingTask(
      () => this.runOnce(),
      (r) => (r && (r.fannedOut > 0 || r.attempted > 0) ? 0 : ctx.config.webhooks.pollMs),
      (err) => opts.log?.error({ err }, 'webhook dispatcher round failed'),
    )
  }

  /** One fan-out and one delivery round. */
  async runOnce(): Promise<RoundResult> {
    const fannedOut = await this.fanOut()
    const attempted = await this.deliverDue()
    return { fannedOut, attempted }
  }

  /** Rounds until nothing is left to do now (bounded). */
  async drain(maxRounds = 20): Promise<RoundResult> {
    const total = { fannedOut: 0, attempted: 0 }
    for (let i = 0; i < maxRounds; i++) {
      const r = await this.runOnce()
      total.fannedOut += r.fannedOut
      total.attempted += r.attempted
      if (r.fannedOut === 0 && r.attempted === 0) break
    }
    return total
  }

  /** Polls every `ATRIUM_DISPATCH_INTERVAL_MS` until stopped. */
  start(): void {
    this.polling.start()
  }

  /** Stops polling and waits for the round in progress. */
  async stop(): Promise<void> {
    await this.polling.stop()
  }

  // ---- fan-out ---------------------------------------------------------------------------

  private async fanOut(): Promise<number> {
    const now = this.clock()
    await syncStaticSubscriptions(this.ctx.db, now)
    return this.ctx.db.transaction().execute(async (tx) => {
      const cursor = await lockCursor(tx, CURSOR, now)
      if (cursor === undefined) return 0
      const rows = await outboxAfter(tx, cursor, this.batch)
      let last = cursor
      const taken: OutboxRecord[] = []
      for (const row of rows) {
        // A hole in the sequence may be a transaction that has not committed yet: wait for it a
        // little, then pass over it (rolled-back inserts leave permanent holes on PostgreSQL).
        if (row.seq !== last + 1 && row.createdAt > now - this.gapWaitMicros) break
        taken.push(row)
        last = row.seq
      }
      if (taken.length === 0) return 0
      const deliveries: NewDelivery[] = []
      const apps = new Map<string, App | undefined>()
      for (const event of taken) deliveries.push(...(await this.plan(tx, event, apps, now)))
      // A post that also mentions feeds one /v1 chat.message through two outbox rows: one delivery.
      const seen = new Set<string>()
      const unique = deliveries.filter((d) => {
        const key = `${d.eventId} ${d.subscriptionId}`
        if (seen.has(key)) return false
        seen.add(key)
        return true
      })
      await insertDeliveries(tx, unique)
      await setCursor(tx, CURSOR, last, now)
      return taken.length
    })
  }

  /**
   * The deliveries one event produces: for `/v0` subscriptions (and static webhook URLs) the
   * event itself, for `/v1` subscriptions the `/v1` event it feeds (`v1EventOf`), in their
   * subscription's dated format (`v1Delivery`).
   */
  private async plan(tx: Executor, event: OutboxRecord, apps: Map<string, App | undefined>, now: number): Promise<NewDelivery[]> {
    const v0 = delivered.has(event.type)
    const v1 = v1EventOf(event.type)
    if (!v0 && !v1) return []
    const names = [...new Set([...(v0 ? [event.type] : []), ...(v1 ? [v1] : [])])]
    const subs = (await activeSubscriptionsFor(tx, event.orgId, names)).filter((s) => s.createdAt <= event.createdAt)
    if (subs.length === 0) return []
    const facts = await this.eventFacts(tx, event)
    const out: NewDelivery[] = []
    for (const sub of subs) {
      // A /v1 subscription takes only its /v1 event; /v0 and static ones only delivered v0 events.
      const asV1 = sub.apiVersion !== null && sub.event === v1
      if (!asV1 && (sub.apiVersion !== null || !v0 || (sub.event !== event.type && sub.event !== '*'))) continue
      const address = await this.subscriberAddress(tx, sub, apps)
      if (!address) continue
      // A personal access token is its person and, on /v1, its bot persona: what either of them
      // wrote is its own, a DM with either is its DM, a mention of either mentions it.
      const persona = sub.model === 'personal' ? await findCredentialPersona(tx, sub.credentialId) : undefined
      const selves = persona ? [address, persona] : [address]
      const scopes = new Set(sub.scopes)
      const mentioned = selves.some((a) => facts.mentions.has(a)) || (facts.mentions.has('all') && (facts.groupMembers.has(address) || facts.addresses.has(address)))
      const receives = mayReceiveEvent({
        type: asV1 ? v1! : event.type,
        model: sub.model,
        scopes,
        isActor: facts.actor !== undefined && selves.includes(facts.actor),
        inDirectChat: facts.direct,
        participant: selves.some((a) => facts.addresses.has(a)),
        groupMember: facts.groupMembers.has(address),
        mentioned,
        publicGroup: facts.publicGroup,
      })
      if (!receives) continue
      if (asV1) {
        const delivery = v1Delivery(event, v1!, sub, facts.chatKind, scopes, now)
        if (!passesFilter(sub.filter as SubscriptionFilter | null, delivery.data, event.routing, { mentioned })) continue
        out.push({ id: delivery.id, orgId: event.orgId, subscriptionId: sub.id, eventId: delivery.eventKey, eventType: v1!, url: sub.url, body: delivery.body, at: now })
        continue
      }
      if (!passesFilter(sub.filter as SubscriptionFilter | null, event.payload, event.routing)) continue
      out.push({
        orgId: event.orgId,
        subscriptionId: sub.id,
        eventId: event.id,
        eventType: event.type,
        url: sub.url,
        body: JSON.stringify(shapePayload(event.type, event.payload, scopes)),
        at: now,
      })
    }
    return out
  }

  private async subscriberAddress(tx: Executor, sub: WebhookSubscription, apps: Map<string, App | undefined>): Promise<string | undefined> {
    if (sub.model === 'personal') return (await personalGrantActive(tx, sub)) ? `U-${sub.userId}` : undefined
    if (!sub.appId) return undefined
    if (!apps.has(sub.appId)) apps.set(sub.appId, await findApp(tx, sub.appId))
    const app = apps.get(sub.appId)
    return app ? `B-${app.botId}` : undefined
  }

  /** Who an event concerns, from its routing completed with the chat's and group's members. */
  private async eventFacts(tx: Executor, event: OutboxRecord) {
    const r = event.routing
    const payload = (event.payload ?? {}) as Record<string, unknown>
    const chatRef = str(r.chat) ?? str(payload.chat)
    const chatId = chatRef && untag(chatRef)
    const chat = chatId ? await chatKindOf(tx, chatId) : undefined
    const groupId = (str(r.group) && untag(str(r.group)!)) ?? chat?.groupId ?? undefined
    const addresses = new Set<string>(strings(r.addresses))
    if (chatId && chat && chat.kind !== 'channel') for (const a of await chatMembersOf(tx, chatId)) addresses.add(a)
    const groupMembers = new Set<string>(groupId ? await groupMembersOf(tx, groupId) : [])
    const group = groupId ? await findGroup(tx, event.orgId, groupId) : undefined
    const publicGroup = group !== undefined && !group.private
    const direct = chat ? chat.kind !== 'channel' : /^[DM]-/.test(chatRef ?? '')
    const actor = str(r.actor) ?? (event.type.startsWith('chat.message.') ? (str(payload.sender) ?? str((payload.user as Record<string, unknown> | undefined)?.id)) : undefined)
    const chatKind = chat?.kind ?? (chatRef?.startsWith('C-') ? 'channel' : chatRef?.startsWith('M-') ? 'multi' : 'dm')
    return { addresses, groupMembers, direct, publicGroup, mentions: new Set(strings(r.mentions)), actor, chatKind }
  }

  // ---- delivery --------------------------------------------------------------------------

  private async deliverDue(): Promise<number> {
    const now = this.clock()
    const claimed = await claimDueDeliveries(this.ctx.db, this.id, now, now + this.leaseMicros, this.claimBatch)
    const queue = [...claimed]
    const workers = Array.from({ length: Math.min(this.concurrency, queue.length) }, async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        try {
          await this.deliver(next)
        } catch (err) {
          // The lease stays; the delivery becomes due again when it runs out.
          this.opts.log?.error({ err, delivery: next.delivery.id }, 'webhook delivery bookkeeping failed')
        }
      }
    })
    await Promise.all(workers)
    return claimed.length
  }

  private async deliver({ delivery, subscription }: ClaimedDelivery): Promise<void> {
    const { config, db } = this.ctx
    const secret = subscription.signingSecret ?? (subscription.appId ? await appSigningSecret(db, subscription.appId) : null)
    const startedAt = this.clock()
    const result = await postOutbound(delivery.url, delivery.body, signedHeaders(secret, delivery.id, delivery.body), {
      timeoutMs: config.webhooks.timeoutMs,
      allowPrivate: config.allowPrivateUrls,
    })
    await this.opts.afterSend?.(delivery)

    const ok = result.kind === 'response' && result.status >= 200 && result.status < 300
    const attemptNo = delivery.attempts + 1
    const schedule = config.webhooks.retrySchedule
    const retry = !ok && retryable(result) && attemptNo <= schedule.length
    const now = this.clock()
    await db.transaction().execute(async (tx) => {
      const recorded = await recordAttempt(
        tx,
        delivery.id,
        this.id,
        {
          outcome: ok ? 'ok' : result.kind === 'response' ? 'http_error' : result.kind,
          statusCode: result.kind === 'response' ? result.status : null,
          latencyMs: result.latencyMs,
          response: result.kind === 'response' ? result.body.slice(0, 1024) : null,
          error: result.kind === 'response' ? (ok ? null : `HTTP ${result.status}`) : result.kind === 'timeout' ? `no response within ${config.webhooks.timeoutMs} ms` : result.error,
          startedAt,
        },
        { status: ok ? 'delivered' : retry ? 'pending' : 'failed', nextAttemptAt: retry ? now + schedule[attemptNo - 1]! * 1_000_000 : null },
        now,
      )
      if (!recorded) return
      if (ok) return resetFailures(tx, subscription.id)
      const failures = await countFailure(tx, subscription.id)
      if (result.kind === 'response' && result.status === 410) {
        await setSubscriptionStatus(tx, subscription.id, 'disabled', 'the endpoint answered 410 Gone', now)
      } else if (config.webhooks.disableAfter > 0 && failures >= config.webhooks.disableAfter) {
        await setSubscriptionStatus(tx, subscription.id, 'disabled', `${failures} consecutive failed attempts`, now)
      }
    })
  }
}

/** Timeouts, connection failures, 429 and 5xx are worth another attempt; other answers are final. */
function retryable(result: OutboundResult): boolean {
  if (result.kind === 'timeout' || result.kind === 'network') return true
  return result.kind === 'response' && (result.status >= 500 || result.status === 429)
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []
}

/** `C-<uuid>` → `<uuid>`; a bare UUID stays as it is. */
function untag(ref: string): string {
  return /^[A-Z]-/.test(ref) ? ref.slice(2) : ref
}
