import { requireChatRead } from '../access.js'
import type { Context } from '../context.js'
import type { Principal } from '../domain.js'
import { NOTIFICATION_SETTINGS_UPDATE } from '../events/realtime.js'
import type { Executor } from '../store/db.js'
import { findNotificationLevel, listMutedChats, saveChatMute, saveNotificationLevel } from '../store/repos/notifications.js'
import { insertEvent } from '../store/repos/outbox.js'
import { nowMicros } from '../time.js'
import { resolveExistingChat } from './chats.js'

/**
 * A person's desktop-notification settings for the web client: how much they want to hear and
 * which chats they muted. Each person reads and changes only their own (the caller is always the
 * subject; no request names another person). The browser decides what to show from these.
 */

export const NOTIFICATION_LEVELS = ['all', 'mentions_and_dms', 'nothing'] as const
export type NotificationLevel = (typeof NOTIFICATION_LEVELS)[number]
export const DEFAULT_NOTIFICATION_LEVEL: NotificationLevel = 'mentions_and_dms'

export interface NotificationSettingsView {
  level: NotificationLevel
  /** Tagged ids of the chats the person muted (`C-…`, `D-…`, `M-…`), oldest mute first. */
  muted: string[]
}

function isLevel(value: string | undefined): value is NotificationLevel {
  return (NOTIFICATION_LEVELS as readonly string[]).includes(value ?? '')
}

async function settingsOf(db: Executor, address: string): Promise<NotificationSettingsView> {
  const stored = await findNotificationLevel(db, address)
  const muted = await listMutedChats(db, address)
  return {
    level: isLevel(stored) ? stored : DEFAULT_NOTIFICATION_LEVEL,
    muted: muted.map((m) => `${m.kind === 'channel' ? 'C' : m.kind === 'dm' ? 'D' : 'M'}-${m.chatId}`),
  }
}

export async function notificationSettings(ctx: Context, principal: Principal): Promise<NotificationSettingsView> {
  return settingsOf(ctx.db, principal.address)
}

/** Tells the person's other tabs and devices (their sockets only) what their settings now are. */
async function announce(tx: Executor, principal: Principal, settings: NotificationSettingsView, now: number): Promise<void> {
  await insertEvent(tx, {
    orgId: principal.orgId,
    type: NOTIFICATION_SETTINGS_UPDATE,
    payload: settings,
    routing: { addresses: [principal.address] },
    createdAt: now,
  })
}

export async function setNotificationLevel(ctx: Context, principal: Principal, level: NotificationLevel): Promise<NotificationSettingsView> {
  const now = nowMicros()
  return ctx.db.transaction().execute(async (tx) => {
    await saveNotificationLevel(tx, principal.orgId, principal.address, level, now)
    const settings = await settingsOf(tx, principal.address)
    await announce(tx, principal, settings, now)
    return settings
  })
}

/** Mutes (or unmutes) a chat the caller can read; `chat` may also name a group (its chat). */
export async function muteChat(ctx: Context, principal: Principal, input: { chat: string; muted: boolean }): Promise<NotificationSettingsView> {
  const target = await resolveExistingChat(ctx.db, principal, input.chat)
  requireChatRead(principal, target.facts)
  const now = nowMicros()
  return ctx.db.transaction().execute(async (tx) => {
    await saveChatMute(tx, principal.address, target.chat.id, input.muted, now)
    const settings = await settingsOf(tx, principal.address)
    await announce(tx, principal, settings, now)
    return settings
  })
}
