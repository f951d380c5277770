import type { Selectable } from 'kysely'
import type {
  AccessModel,
  AttemptOutcome,
  DeliveryStatus,
  WebhookAttempt,
  WebhookDelivery,
  WebhookSubscription,
} from '../../domain.js'
import { newId } from '../../ids.js'
import type { Executor } from '../db.js'
import { dialectOf } from '../dialect.js'
import type { WebhookAttemptsTable, WebhookDeliveriesTable, WebhookSubscriptionsTable } from '../schema.js'

function toSubscription(row: Selectable<WebhookSubscriptionsTable>): WebhookSubscription {
  return {
    id: row.id,
    orgId: row.org_id,
    owner: row.owner,
    model: row.model as AccessModel,
    appId: row.app_id,
    userId: row.user_id,
    credentialId: row.credential_id,
    grantId: row.grant_id,
    scopes: row.scopes === '' ? [] : row.scopes.split(' '),
    kind: row.kind as WebhookSubscription['kind'],
    event: row.event,
    url: row.url,
    filter: row.filter === null ? null : (JSON.parse(row.filter) as Record<string, unknown>),
    signingSecret: row.signing_secret,
    apiVersion: row.api_version ?? null,
    status: row.status as WebhookSubscription['status'],
    consecutiveFailures: row.consecutive_failures,
    disabledReason: row.disabled_reason,
    disabledAt: row.disabled_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

function toDelivery(row: Selectable<WebhookDeliveriesTable>): WebhookDelivery {
  return {
    id: row.id,
    orgId: row.org_id,
    subscriptionId: row.subscription_id,
    eventId: row.event_id,
    eventType: row.event_type,
    url: row.url,
    body: row.body,
    status: row.status as DeliveryStatus,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    lastStatus: row.last_status,
    lastError: row.last_error,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

function toAttempt(row: Selectable<WebhookAttemptsTable>): WebhookAttempt {
  return {
    id: row.id,
    deliveryId: row.delivery_id,
    attempt: row.attempt,
    outcome: row.outcome as AttemptOutcome,
    statusCode: row.status_code,
    latencyMs: row.latency_ms,
    response: row.response,
    error: row.error,
    startedAt: row.started_at,
  }
}

export interface SubscriptionOwner {
  orgId: string
  owner: string
  model: AccessModel
  appId: string | null
  userId: string | null
  credentialId: string | null
  grantId: string | null
  scopes: string[]
}

/**
 * Creates the subscription, or (same owner, event and URL) replaces its filter and scopes and
 * makes it active again. A deleted subscription is revived rather than duplicated.
 */
export async function upsertSubscription(
  db: Executor,
  input: SubscriptionOwner & {
    kind: 'static' | 'dynamic'
    event: string
    url: string
    filter: object | null
    signingSecret: string | null
    /** `/v1` subscriptions: the dated version of their deliveries; null for `/v0`. */
    apiVersion: string | null
    at: number
  },
): Promise<{ subscription: WebhookSubscription; created: boolean }> {
  const existing = await db
    .selectFrom('webhook_subscriptions')
    .selectAll()
    .where('owner', '=', input.owner)
    .where('event', '=', input.event)
    .where('url', '=', input.url)
    .executeTakeFirst()
  if (existing) {
    const row = await db
      .updateTable('webhook_subscriptions')
      .set({
        filter: input.filter === null ? null : JSON.stringify(input.filter),
        scopes: input.scopes.join(' '),
        credential_id: input.credentialId,
        grant_id: input.grantId,
        api_version: input.apiVersion,
        status: 'active',
        consecutive_failures: 0,
        disabled_reason: null,
        disabled_at: null,
        updated_at: input.at,
        ...(existing.status === 'deleted' ? { created_at: input.at } : {}),
      })
      .where('id', '=', existing.id)
      .returningAll()
      .executeTakeFirstOrThrow()
    return { subscription: toSubscription(row), created: existing.status === 'deleted' }
  }
  const row = await db
    .insertInto('webhook_subscriptions')
    .values({
      id: newId(),
      org_id: input.orgId,
      owner: input.owner,
      model: input.model,
      app_id: input.appId,
      user_id: input.userId,
      credential_id: input.credentialId,
      grant_id: input.grantId,
      scopes: input.scopes.join(' '),
      kind: input.kind,
      event: input.event,
      url: input.url,
      filter: input.filter === null ? null : JSON.stringify(input.filter),
      signing_secret: input.signingSecret,
      api_version: input.apiVersion,
      created_at: input.at,
      updated_at: input.at,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
  return { subscription: toSubscription(row), created: true }
}

export async function findSubscription(db: Executor, orgId: string, id: string): Promise<WebhookSubscription | undefined> {
  const row = await db
    .selectFrom('webhook_subscriptions')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .where('status', '!=', 'deleted')
    .executeTakeFirst()
  return row && toSubscription(row)
}

export async function findSubscriptionByEventUrl(db: Executor, owner: string, event: string, url: string): Promise<WebhookSubscription | undefined> {
  const row = await db
    .selectFrom('webhook_subscriptions')
    .selectAll()
    .where('owner', '=', owner)
    .where('event', '=', event)
    .where('url', '=', url)
    .where('status', '!=', 'deleted')
    .executeTakeFirst()
  return row && toSubscription(row)
}

/** Subscriptions of one owner (or of the whole organization when `owner` is omitted), oldest first. */
export async function listSubscriptions(db: Executor, orgId: string, owner?: string): Promise<WebhookSubscription[]> {
  let q = db.selectFrom('webhook_subscriptions').selectAll().where('org_id', '=', orgId).where('status', '!=', 'deleted')
  if (owner !== undefined) q = q.where('owner', '=', owner)
  const rows = await q.orderBy('created_at').orderBy('id').execute()
  return rows.map(toSubscription)
}

export async function deleteSubscription(db: Executor, id: string, at: number): Promise<void> {
  await db.updateTable('webhook_subscriptions').set({ status: 'deleted', updated_at: at }).where('id', '=', id).execute()
}

export async function setSubscriptionStatus(db: Executor, id: string, status: 'active' | 'disabled', reason: string | null, at: number): Promise<void> {
  await db
    .updateTable('webhook_subscriptions')
    .set({
      status,
      disabled_reason: reason,
      disabled_at: status === 'disabled' ? at : null,
      updated_at: at,
      ...(status === 'active' ? { consecutive_failures: 0 } : {}),
    })
    .where('id', '=', id)
    .execute()
}

/** Active subscriptions to any of the event names `types` in the organization (static ones, `*`, take every type). */
export async function activeSubscriptionsFor(db: Executor, orgId: string, types: readonly string[]): Promise<WebhookSubscription[]> {
  const rows = await db
    .selectFrom('webhook_subscriptions')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('status', '=', 'active')
    .where('event', 'in', [...types, '*'])
    .execute()
  return rows.map(toSubscription)
}

/**
 * Keeps one static subscription per app with a configured webhook URL: created when the URL is
 * set, moved when it changes, deleted when it is cleared or the app is deleted.
 */
export async function syncStaticSubscriptions(db: Executor, at: number): Promise<void> {
  const apps = await db
    .selectFrom('apps')
    .select(['id', 'org_id', 'webhook_url', 'scopes', 'created_at', 'deleted_at'])
    .where('webhook_url', 'is not', null)
    .execute()
  const statics = await db.selectFrom('webhook_subscriptions').selectAll().where('kind', '=', 'static').execute()
  const byApp = new Map(statics.map((s) => [s.app_id, s]))
  for (const app of apps) {
    const current = byApp.get(app.id)
    byApp.delete(app.id)
    const wanted = app.deleted_at === null && app.webhook_url !== null && app.webhook_url !== ''
    if (!wanted) {
      if (current && current.status !== 'deleted') await deleteSubscription(db, current.id, at)
      continue
    }
    if (current && current.url === app.webhook_url && current.status !== 'deleted') continue
    if (current) {
      await db
        .updateTable('webhook_subscriptions')
        .set({ url: app.webhook_url!, scopes: app.scopes, status: 'active', consecutive_failures: 0, disabled_reason: null, disabled_at: null, updated_at: at })
        .where('id', '=', current.id)
        .execute()
    } else {
      await db
        .insertInto('webhook_subscriptions')
        .values({
          id: newId(),
          org_id: app.org_id,
          owner: `app:${app.id}`,
          model: 'organization',
          app_id: app.id,
          user_id: null,
          credential_id: null,
          grant_id: null,
          scopes: app.scopes,
          kind: 'static',
          event: '*',
          url: app.webhook_url!,
          filter: null,
          signing_secret: null,
          // Events since the app was created reach its static URL.
          created_at: app.created_at,
          updated_at: at,
        })
        .execute()
    }
  }
  for (const orphan of byApp.values()) {
    if (orphan.status !== 'deleted') await deleteSubscription(db, orphan.id, at)
  }
}

// ---- dispatcher cursor -------------------------------------------------------------------------

/**
 * Takes the named cursor for the rest of the transaction. On PostgreSQL the row is locked with
 * SKIP LOCKED, so when another process holds it this returns undefined and the caller skips.
 */
export async function lockCursor(tx: Executor, name: string, at: number): Promise<number | undefined> {
  await tx.insertInto('event_cursors').values({ name, seq: 0, updated_at: at }).onConflict((oc) => oc.column('name').doNothing()).execute()
  let q = tx.selectFrom('event_cursors').select('seq').where('name', '=', name)
  if (dialectOf(tx) === 'postgres') q = q.forUpdate().skipLocked()
  const row = await q.executeTakeFirst()
  return row?.seq
}

export async function setCursor(tx: Executor, name: string, seq: number, at: number): Promise<void> {
  await tx.updateTable('event_cursors').set({ seq, updated_at: at }).where('name', '=', name).execute()
}

// ---- audience facts ------------------------------------------------------------------------

export async function chatKindOf(db: Executor, chatId: string): Promise<{ kind: string; groupId: string | null } | undefined> {
  const row = await db.selectFrom('chats').select(['kind', 'group_id']).where('id', '=', chatId).executeTakeFirst()
  return row && { kind: row.kind, groupId: row.group_id }
}

export async function chatMembersOf(db: Executor, chatId: string): Promise<string[]> {
  const rows = await db.selectFrom('chat_members').select('address').where('chat_id', '=', chatId).execute()
  return rows.map((r) => r.address)
}

export async function groupMembersOf(db: Executor, groupId: string): Promise<string[]> {
  const rows = await db.selectFrom('group_members').select('address').where('group_id', '=', groupId).execute()
  return rows.map((r) => r.address)
}


/** Whether a personal subscription's grant still stands: user active, an active credential of the grant. */
export async function personalGrantActive(db: Executor, sub: WebhookSubscription): Promise<boolean> {
  if (!sub.userId) return false
  const user = await db.selectFrom('users').select('active').where('id', '=', sub.userId).executeTakeFirst()
  if (!user || user.active !== 1) return false
  let q = db.selectFrom('credentials').select('id').where('status', '=', 'active').where('user_id', '=', sub.userId)
  if (sub.grantId) q = q.where('grant_id', '=', sub.grantId)
  else if (sub.credentialId) q = q.where('id', '=', sub.credentialId)
  else return false
  return (await q.executeTakeFirst()) !== undefined
}

// ---- deliveries ----------------------------------------------------------------------------

export interface NewDelivery {
  /** The delivery id (the `webhook-id`); a new one when omitted. */
  id?: string
  orgId: string
  subscriptionId: string
  eventId: string
  eventType: string
  url: string
  body: string
  at: number
}

/** Inserts deliveries, ignoring any (event, subscription) pair already present. */
export async function insertDeliveries(db: Executor, deliveries: NewDelivery[]): Promise<void> {
  if (deliveries.length === 0) return
  await db
    .insertInto('webhook_deliveries')
    .values(
      deliveries.map((d) => ({
        id: d.id ?? newId(),
        org_id: d.orgId,
        subscription_id: d.subscriptionId,
        event_id: d.eventId,
        event_type: d.eventType,
        url: d.url,
        body: d.body,
        status: 'pending',
        next_attempt_at: d.at,
        created_at: d.at,
        updated_at: d.at,
      })),
    )
    .onConflict((oc) => oc.columns(['event_id', 'subscription_id']).doNothing())
    .execute()
}

/** Deliveries waiting to be sent (due or scheduled for a retry) to subscriptions that are active. */
export async function countPendingDeliveries(db: Executor): Promise<number> {
  const row = await db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhook_subscriptions as s', 's.id', 'd.subscription_id')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('d.status', '=', 'pending')
    .where('s.status', '=', 'active')
    .executeTakeFirst()
  return Number(row?.n ?? 0)
}

export interface ClaimedDelivery {
  delivery: WebhookDelivery
  subscription: WebhookSubscription
}

/**
 * Claims up to `limit` due deliveries of active subscriptions by setting a lease on them. A lease
 * that runs out (the process died mid-delivery) makes the delivery due again. On PostgreSQL the
 * candidate rows are locked with SKIP LOCKED, so concurrent dispatchers claim disjoint sets.
 */
export async function claimDueDeliveries(db: Executor, owner: string, now: number, leaseUntil: number, limit: number): Promise<ClaimedDelivery[]> {
  const pg = dialectOf(db) === 'postgres'
  const run = async (tx: Executor) => {
    let q = tx
      .selectFrom('webhook_deliveries as d')
      .innerJoin('webhook_subscriptions as s', 's.id', 'd.subscription_id')
      .select('d.id')
      .where('d.status', '=', 'pending')
      .where('d.next_attempt_at', '<=', now)
      .where((eb) => eb.or([eb('d.lease_until', 'is', null), eb('d.lease_until', '<', now)]))
      .where('s.status', '=', 'active')
      .orderBy('d.next_attempt_at')
      .limit(limit)
    if (pg) q = q.forUpdate('d').skipLocked()
    const ids = (await q.execute()).map((r) => r.id)
    if (ids.length === 0) return []
    await tx.updateTable('webhook_deliveries').set({ lease_owner: owner, lease_until: leaseUntil }).where('id', 'in', ids).execute()
    const rows = await tx.selectFrom('webhook_deliveries').selectAll().where('id', 'in', ids).where('lease_owner', '=', owner).execute()
    const subIds = [...new Set(rows.map((r) => r.subscription_id))]
    const subs = await tx.selectFrom('webhook_subscriptions').selectAll().where('id', 'in', subIds).execute()
    const byId = new Map(subs.map((s) => [s.id, toSubscription(s)]))
    return rows.map((r) => ({ delivery: toDelivery(r), subscription: byId.get(r.subscription_id)! }))
  }
  return db.isTransaction ? run(db) : db.transaction().execute(run)
}

export interface AttemptRecord {
  outcome: AttemptOutcome
  statusCode: number | null
  latencyMs: number
  response: string | null
  error: string | null
  startedAt: number
}

/**
 * Records one attempt and the delivery's new state, releasing its lease. Only the lease holder
 * may record: returns false when the lease was lost (another dispatcher took over).
 */
export async function recordAttempt(
  db: Executor,
  deliveryId: string,
  leaseOwner: string,
  attempt: AttemptRecord,
  next: { status: DeliveryStatus; nextAttemptAt: number | null },
  at: number,
): Promise<boolean> {
  const updated = await db
    .updateTable('webhook_deliveries')
    .set((eb) => ({
      status: next.status,
      attempts: eb('attempts', '+', 1),
      next_attempt_at: next.nextAttemptAt,
      lease_owner: null,
      lease_until: null,
      last_status: attempt.statusCode,
      last_error: attempt.error,
      updated_at: at,
    }))
    .where('id', '=', deliveryId)
    .where('lease_owner', '=', leaseOwner)
    .returning(['attempts'])
    .executeTakeFirst()
  if (!updated) return false
  await db
    .insertInto('webhook_attempts')
    .values({
      id: newId(),
      delivery_id: deliveryId,
      attempt: updated.attempts,
      outcome: attempt.outcome,
      status_code: attempt.statusCode,
      latency_ms: attempt.latencyMs,
      response: attempt.response,
      error: attempt.error,
      started_at: attempt.startedAt,
    })
    .execute()
  return true
}

/** Counts a failed attempt against the subscription; returns the new run of consecutive failures. */
export async function countFailure(db: Executor, subscriptionId: string): Promise<number> {
  const row = await db
    .updateTable('webhook_subscriptions')
    .set((eb) => ({ consecutive_failures: eb('consecutive_failures', '+', 1) }))
    .where('id', '=', subscriptionId)
    .returning(['consecutive_failures'])
    .executeTakeFirst()
  return row?.consecutive_failures ?? 0
}

export async function resetFailures(db: Executor, subscriptionId: string): Promise<void> {
  await db.updateTable('webhook_subscriptions').set({ consecutive_failures: 0 }).where('id', '=', subscriptionId).where('consecutive_failures', '!=', 0).execute()
}

export async function findDelivery(db: Executor, orgId: string, id: string): Promise<WebhookDelivery | undefined> {
  const row = await db.selectFrom('webhook_deliveries').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst()
  return row && toDelivery(row)
}

/** Makes a delivery due now again (manual replay); it keeps its id, so its `webhook-id`. */
export async function requeueDelivery(db: Executor, id: string, at: number): Promise<void> {
  await db
    .updateTable('webhook_deliveries')
    .set({ status: 'pending', next_attempt_at: at, lease_owner: null, lease_until: null, updated_at: at })
    .where('id', '=', id)
    .execute()
}

export interface DeliveryPageQuery {
  orgId: string
  subscriptionId?: string
  status?: DeliveryStatus
  limit: number
  /** Keyset position: deliveries strictly older than (createdAt, id). */
  before?: { createdAt: number; id: string }
}

/** Deliveries newest first, keyset-paged on (created_at, id). */
export async function listDeliveries(db: Executor, q: DeliveryPageQuery): Promise<WebhookDelivery[]> {
  let query = db.selectFrom('webhook_deliveries').selectAll().where('org_id', '=', q.orgId)
  if (q.subscriptionId) query = query.where('subscription_id', '=', q.subscriptionId)
  if (q.status) query = query.where('status', '=', q.status)
  if (q.before) {
    const b = q.before
    query = query.where((eb) => eb.or([eb('created_at', '<', b.createdAt), eb.and([eb('created_at', '=', b.createdAt), eb('id', '<', b.id)])]))
  }
  const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(q.limit).execute()
  return rows.map(toDelivery)
}

export async function attemptsOf(db: Executor, deliveryIds: string[]): Promise<Map<string, WebhookAttempt[]>> {
  const out = new Map<string, WebhookAttempt[]>()
  if (deliveryIds.length === 0) return out
  const rows = await db.selectFrom('webhook_attempts').selectAll().where('delivery_id', 'in', deliveryIds).orderBy('attempt').execute()
  for (const row of rows) {
    const list = out.get(row.delivery_id) ?? []
    list.push(toAttempt(row))
    out.set(row.delivery_id, list)
  }
  return out
}

/** The app's Standard Webhooks signing secret. */
export async function appSigningSecret(db: Executor, appId: string): Promise<string | null> {
  const row = await db.selectFrom('apps').select('signing_secret').where('id', '=', appId).executeTakeFirst()
  return row?.signing_secret ?? null
}
