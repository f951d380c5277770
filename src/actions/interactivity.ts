import { mayClickInChat, requireClicker, requirePersonal } from '../access.js'
import type { Context } from '../context.js'
import type { ClickOutcome, InteractivityClick, Principal } from '../domain.js'
import { fail } from '../errors.js'
import { newId, parseTagged } from '../ids.js'
import { interactiveButtons } from '../events/blocks.js'
import { signedHeaders } from '../events/signing.js'
import { postOutbound, type OutboundResult } from '../net/outbound.js'
import { findAppByBot } from '../store/repos/apps.js'
import { findGroup } from '../store/repos/groups.js'
import { clicksOnMessage, findClickableMessage, insertClick, isChatMember } from '../store/repos/interactivity.js'
import { appSigningSecret } from '../store/repos/webhooks.js'
import { nowMicros } from '../time.js'

/** What the person who clicked sees, per roam-block-kit.txt. */
export const CLICK_MESSAGES: Record<ClickOutcome, string> = {
  clicked: 'Clicked',
  timeout: "App didn't respond in time",
  no_response: "App didn't respond",
  error: 'App returned an error',
}

export interface ClickInput {
  /** The chat holding the message: `C-…`, `D-…`, `M-…`, or the group `G-…`. */
  chat: string
  timestamp: number
  actionId: string
  blockId?: string
}

export interface ClickResult {
  id: string
  outcome: ClickOutcome
  message: string
  actionId: string
  blockId: string
  statusCode?: number
}

/** The `block_actions` body sent to the app's Interactivity URL (roam-block-kit.txt). */
export interface BlockActionsPayload {
  type: 'block_actions'
  clientId: string
  user: { id: string; email: string }
  message: { chatId: string; timestamp: number; threadTimestamp?: number }
  blockId: string
  actionId: string
  value: string
}

function outcomeOf(result: OutboundResult): ClickOutcome {
  if (result.kind === 'timeout') return 'timeout'
  if (result.kind !== 'response') return 'no_response'
  return result.status >= 200 && result.status < 300 ? 'clicked' : 'error'
}

/**
 * A user clicks an interactive button: the app that posted the message receives a signed
 * `block_actions` POST at its Interactivity URL, with the webhook time limit (3 s by default). The
 * click and its outcome are recorded and returned: clicked (2xx), timeout (no answer in time),
 * no_response (connection failed or the URL is not allowed), error (any other status).
 */
export async function clickButton(ctx: Context, principal: Principal, input: ClickInput): Promise<ClickResult> {
  requireClicker(principal)
  const user = principal.user
  const chatId = await resolveChatId(ctx, principal.orgId, input.chat)
  const message = await findClickableMessage(ctx.db, principal.orgId, chatId, input.timestamp)
  if (!message) fail('not_found', 'Message not found.')
  const member = await isChatMember(ctx.db, message.chatId, message.groupId, principal.address)
  if (!mayClickInChat({ member, publicGroup: message.groupId !== null && !message.groupPrivate })) fail('not_found', 'Message not found.')

  const button = interactiveButtons(message.blocks ?? []).find(
    (b) => b.actionId === input.actionId && (input.blockId === undefined || b.blockId === input.blockId),
  )
  if (!button) fail('invalid_request', 'actionId: the message has no interactive button with this action_id')
  const sender = parseTagged(message.sender)
  const app = sender?.tag === 'B' ? await findAppByBot(ctx.db, principal.orgId, sender.uuid) : undefined
  if (!app) fail('invalid_request', 'chat: the message was not posted by an app')
  if (!app.interactivityUrl) fail('invalid_request', 'actionId: the app that posted this message has no Interactivity URL')

  const payload: BlockActionsPayload = {
    type: 'block_actions',
    clientId: app.clientId,
    user: { id: user.id, email: user.email },
    message: {
      chatId: `${message.chatKind === 'channel' ? 'C' : message.chatKind === 'multi' ? 'M' : 'D'}-${message.chatId}`,
      timestamp: message.ts,
      ...(message.threadTs !== null ? { threadTimestamp: message.threadTs } : {}),
    },
    blockId: button.blockId,
    actionId: button.actionId,
    value: button.value,
  }
  const id = newId()
  const body = JSON.stringify(payload)
  const result = await postOutbound(app.interactivityUrl, body, signedHeaders(await appSigningSecret(ctx.db, app.id), id, body), {
    timeoutMs: ctx.config.webhooks.timeoutMs,
    allowPrivate: ctx.config.allowPrivateUrls,
  })
  const click: InteractivityClick = {
    id,
    orgId: principal.orgId,
    chatId: message.chatId,
    ts: message.ts,
    userId: user.id,
    appId: app.id,
    blockId: button.blockId,
    actionId: button.actionId,
    value: button.value,
    outcome: outcomeOf(result),
    statusCode: result.kind === 'response' ? result.status : null,
    latencyMs: result.latencyMs,
    createdAt: nowMicros(),
  }
  await insertClick(ctx.db, click)
  return view(click)
}

function view(click: InteractivityClick): ClickResult {
  return {
    id: click.id,
    outcome: click.outcome,
    message: CLICK_MESSAGES[click.outcome],
    actionId: click.actionId,
    blockId: click.blockId,
    ...(click.statusCode !== null ? { statusCode: click.statusCode } : {}),
  }
}

/** The latest outcome of each button the user clicked on one message. */
export async function clickStates(ctx: Context, principal: Principal, chat: string, timestamp: number): Promise<ClickResult[]> {
  requirePersonal(principal)
  const chatId = await resolveChatId(ctx, principal.orgId, chat)
  const message = await findClickableMessage(ctx.db, principal.orgId, chatId, timestamp)
  if (!message) fail('not_found', 'Message not found.')
  const seen = new Set<string>()
  const out: ClickResult[] = []
  for (const click of await clicksOnMessage(ctx.db, chatId, timestamp, principal.user.id)) {
    const key = `${click.blockId}\u0000${click.actionId}`
    if (seen.has(key)) continue
    seen.add(key)
    out.push(view(click))
  }
  return out
}

async function resolveChatId(ctx: Context, orgId: string, chat: string): Promise<string> {
  const parsed = parseTagged(chat)
  if (!parsed || !['C', 'D', 'M', 'G'].includes(parsed.tag)) fail('invalid_request', 'chat: must be a chat or group address')
  if (parsed.tag !== 'G') return parsed.uuid
  const group = await findGroup(ctx.db, orgId, parsed.uuid)
  if (!group) fail('not_found', 'Group not found.')
  return group.chatId
}
