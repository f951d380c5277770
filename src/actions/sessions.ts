import { randomBytes, scrypt, timingSafeEqual, type BinaryLike, type ScryptOptions } from 'node:crypto'
import type { Context } from '../context.js'
import type { Credential, Principal, User } from '../domain.js'
import { fail } from '../errors.js'
import { tag } from '../ids.js'
import { digest, randomToken } from '../secrets.js'
import { consumeSigninLink, deleteSession, findSession, insertSession, insertSigninLink, listUserSessions } from '../store/repos/sessions.js'
import { findOrganization } from '../store/repos/organizations.js'
import { sendMail, type MailOutcome } from '../mail.js'
import { findPasswordHash, findUser, findUserByEmail, setPasswordHash } from '../store/repos/users.js'
import { microsToIso, nowMicros } from '../time.js'
import { recordAudit } from './audit.js'
import { requireOrganization } from './bootstrap.js'
import { endSessionsById, endUserSessions } from './signout.js'
import { publicUrl } from '../public-url.js'

/** A browser session lasts this long after sign-in. */
export const SESSION_LIFETIME_SECONDS = 7 * 24 * 3600

const SCRYPT = { N: 16384, r: 8, p: 1, keylen: 64 } as const

function scryptAsync(password: BinaryLike, salt: BinaryLike, keylen: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(password, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key))))
}

/** `scrypt$N$r$p$<salt b64>$<hash b64>`: parameters travel with the hash so they can be raised later. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16)
  const key = await scryptAsync(password.normalize('NFKC'), salt, SCRYPT.keylen, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p })
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64'), key.toString('base64')].join('$')
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$')
  if (scheme !== 'scrypt' || !salt || !hash) return false
  const expected = Buffer.from(hash, 'base64')
  const key = await scryptAsync(password.normalize('NFKC'), Buffer.from(salt, 'base64'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: 256 * Number(n) * Number(r),
  })
  return key.length === expected.length && timingSafeEqual(key, expected)
}

export const PASSWORD_MIN = 8
export const PASSWORD_MAX = 256

/**
 * Sets (or replaces) a user's sign-in password, and ends every other session of theirs in the
 * same transaction (closing their realtime sockets): a changed or reset password locks out
 * whoever signed in with the old one. `keepSessionId` is the session that made the change, if
 * any; it stays signed in.
 */
export async function setPassword(ctx: Context, orgId: string, userId: string, password: string, opts: { keepSessionId?: string } = {}): Promise<void> {
  if (password.length < PASSWORD_MIN || password.length > PASSWORD_MAX) {
    fail('invalid_request', `password: must be ${PASSWORD_MIN} to ${PASSWORD_MAX} characters`)
  }
  const hash = await hashGate(ctx).run(() => hashPassword(password))
  await ctx.db.transaction().execute(async (tx) => {
    const now = nowMicros()
    await setPasswordHash(tx, orgId, userId, hash, now)
    await endUserSessions(tx, orgId, userId, opts.keepSessionId ?? null, now)
  })
}

/**
 * A signed-in person changes their own password: the current one must match. Every other session
 * of theirs ends; the session that made the change stays signed in.
 */
export async function changeOwnPassword(ctx: Context, principal: Principal & { model: 'personal' }, input: { currentPassword: string; newPassword: string }): Promise<void> {
  const { user } = principal
  const stored = await findPasswordHash(ctx.db, user.orgId, user.id)
  if (!stored || !(await hashGate(ctx).run(() => verifyPassword(input.currentPassword, stored)))) fail('forbidden', 'currentPassword: does not match your password')
  const keepSessionId = sessionIdOf(principal.credential)
  await setPassword(ctx, user.orgId, user.id, input.newPassword, keepSessionId === undefined ? {} : { keepSessionId })
}

/**
 * At most `hashConcurrency` password hashes run at once (scrypt occupies a libuv thread and 16 MB
 * each; unbounded parallel guesses would queue every other request's file and DNS work behind
 * them). Further sign-ins wait their turn, first come first served, up to `hashQueue` of them;
 * beyond that the answer is 503 with Retry-After, at once, without hashing.
 */
class HashGate {
  private active = 0
  private readonly waiting: Array<() => void> = []

  constructor(
    private readonly limit: number,
    private readonly queue: number,
  ) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.active < this.limit) this.active++
    else {
      if (this.waiting.length >= this.queue) fail('unavailable', 'Too many sign-ins at once. Try again in a moment.', { 'retry-after': '1' })
      // The slot is handed over by the finishing run, so `active` stays counted.
      await new Promise<void>((resolve) => this.waiting.push(resolve))
    }
    try {
      return await work()
    } finally {
      const next = this.waiting.shift()
      if (next) next()
      else this.active--
    }
  }
}

/** One gate per configuration (one per process in production; one per test app). */
const gates = new WeakMap<object, HashGate>()

function hashGate(ctx: Context): HashGate {
  let gate = gates.get(ctx.config)
  if (!gate) gates.set(ctx.config, (gate = new HashGate(ctx.config.throttle.hashConcurrency, ctx.config.throttle.hashQueue)))
  return gate
}

/** A hash compared against when the email is unknown, so both paths take the same time. */
let decoyHash: Promise<string> | undefined

export interface SignedIn {
  user: User
  /** The session cookie value; only its digest is stored. */
  sessionToken: string
  expiresAt: number
}

/** Email + password → a new session. One error for every failure, so accounts cannot be probed. */
export async function signIn(ctx: Context, email: string, password: string): Promise<SignedIn> {
  const org = await requireOrganization(ctx)
  const user = await findUserByEmail(ctx.db, org.id, email.trim())
  const stored = user && user.active ? await findPasswordHash(ctx.db, org.id, user.id) : null
  decoyHash ??= hashPassword(randomToken(16))
  const against = stored ?? (await decoyHash)
  const ok = await hashGate(ctx).run(() => verifyPassword(password, against))
  if (!user || !stored || !ok) fail('invalid_auth', 'Wrong email or password.')
  return startSession(ctx, org.id, user)
}

/**
 * Records that sign-in attempts are being refused (`SIGNIN_LOCKED`, data `{scope, address,
 * retryAfterSeconds}`): about the account when the email names one, else about nobody.
 */
export async function recordSigninLockout(ctx: Context, input: { email: string; scope: 'account' | 'address'; address: string; retryAfterSeconds: number }): Promise<void> {
  const org = await requireOrganization(ctx)
  const user = input.scope === 'account' ? await findUserByEmail(ctx.db, org.id, input.email) : undefined
  await recordAudit(ctx.db, {
    orgId: org.id,
    userId: user?.id ?? null,
    eventType: 'SIGNIN_LOCKED',
    data: { scope: input.scope, address: input.address, retryAfterSeconds: input.retryAfterSeconds },
  })
}

async function startSession(ctx: Context, orgId: string, user: User): Promise<SignedIn> {
  const sessionToken = randomToken(43)
  const now = nowMicros()
  const expiresAt = now + SESSION_LIFETIME_SECONDS * 1_000_000
  await insertSession(ctx.db, { id: digest(sessionToken), orgId, userId: user.id, createdAt: now, expiresAt })
  return { user, sessionToken, expiresAt }
}

/** A one-time sign-in link stays valid this long unless used. */
export const SIGNIN_LINK_LIFETIME_SECONDS = 24 * 3600

/**
 * A one-time sign-in link for a user (the first administrator's, printed on first start): the
 * token is returned once and stored only as a digest.
 */
export async function createSigninLink(ctx: Context, orgId: string, userId: string, lifetimeSeconds = SIGNIN_LINK_LIFETIME_SECONDS): Promise<{ url: string; expiresAt: number }> {
  const token = randomToken(43)
  const now = nowMicros()
  const expiresAt = now + lifetimeSeconds * 1_000_000
  await insertSigninLink(ctx.db, { id: digest(token), orgId, userId, createdAt: now, expiresAt })
  return { url: publicUrl(ctx.config, `/login/link?token=${token}`), expiresAt }
}

/** Why a sign-in link is handed out: a new person's invitation, or a way back in for someone locked out. */
export type SigninLinkPurpose = 'invite' | 'reset'

export interface IssuedSigninLink {
  url: string
  expiresAt: number
  /** `sent` when mailed to the person; otherwise the link reaches them only through whoever asked for it. */
  mail: MailOutcome
}

function signinMail(purpose: SigninLinkPurpose, orgName: string, user: User, url: string): { subject: string; text: string } {
  const hours = SIGNIN_LINK_LIFETIME_SECONDS / 3600
  const closing = `The link works once, within ${hours} hours. If you did not expect this mail, you can ignore it.`
  return purpose === 'invite'
    ? {
        subject: `You are invited to ${orgName} on Atrium`,
        text: `Hello ${user.name},\n\nyou have been added to ${orgName} on Atrium. Open this link to sign in:\n\n${url}\n\n${closing}\n`,
      }
    : {
        subject: `Your sign-in link for ${orgName}`,
        text: `Hello ${user.name},\n\nan administrator of ${orgName} sent you a link to sign in to Atrium:\n\n${url}\n\n${closing}\n`,
      }
}

/**
 * A one-time sign-in link for an active user, mailed to them when an SMTP server is configured
 * (ATRIUM_SMTP_URL) and returned either way, for the administrator who asked. No password is
 * set, changed or shown: the link opens one session, once.
 */
export async function issueSigninLink(ctx: Context, orgId: string, userId: string, purpose: SigninLinkPurpose): Promise<IssuedSigninLink> {
  const user = await findUser(ctx.db, orgId, userId)
  if (!user) fail('not_found', 'id: no such user')
  if (!user.active) fail('conflict', 'id: the user is deactivated; reactivate them first')
  const org = await findOrganization(ctx.db, orgId)
  const link = await createSigninLink(ctx, orgId, userId)
  const mail = await sendMail(ctx.config, { to: user.email, ...signinMail(purpose, org?.name ?? 'your organization', user, link.url) })
  return { ...link, mail }
}

/** A browser session as administrators see it: when it began and ends, never its cookie or digest. */
export interface SessionView {
  /** Stable id of the session for revoking it (derived from, and revealing nothing of, the cookie). */
  id: string
  createdAt: string
  expiresAt: string
}

function publicSessionId(storedId: string): string {
  return digest(`session-view:${storedId}`).slice(0, 32)
}

/** A user's current browser sessions, oldest first. */
export async function listSessionsOfUser(ctx: Context, orgId: string, userId: string): Promise<SessionView[]> {
  if (!(await findUser(ctx.db, orgId, userId))) fail('not_found', 'id: no such user')
  return (await listUserSessions(ctx.db, orgId, userId, nowMicros())).map((s) => ({ id: publicSessionId(s.id), createdAt: microsToIso(s.createdAt), expiresAt: microsToIso(s.expiresAt) }))
}

/**
 * Ends one session of a user (`session`: an id from listSessionsOfUser) or all of them, closing
 * their realtime sockets, as a password change does. Returns how many ended.
 */
export async function revokeSessionsOfUser(ctx: Context, orgId: string, userId: string, session: string | undefined): Promise<number> {
  return ctx.db.transaction().execute(async (tx) => {
    if (!(await findUser(tx, orgId, userId))) fail('not_found', 'id: no such user')
    const now = nowMicros()
    const current = await listUserSessions(tx, orgId, userId, now)
    const ids = session === undefined ? current.map((s) => s.id) : current.filter((s) => publicSessionId(s.id) === session).map((s) => s.id)
    if (session !== undefined && ids.length === 0) fail('not_found', 'session: no such session of this user')
    return endSessionsById(tx, orgId, userId, ids, now)
  })
}

/** Redeems a sign-in link: a new session, once; a used, expired or unknown link fails the same way. */
export async function signInWithLink(ctx: Context, token: string): Promise<SignedIn> {
  const refused = 'This sign-in link was already used or has expired. Sign in with your email and password.'
  if (!/^[A-Za-z0-9]{43}$/.test(token)) fail('invalid_auth', refused)
  const link = await consumeSigninLink(ctx.db, digest(token), nowMicros())
  if (!link) fail('invalid_auth', refused)
  const user = await findUser(ctx.db, link.orgId, link.userId)
  if (!user || !user.active) fail('invalid_auth', refused)
  return startSession(ctx, link.orgId, user)
}

export async function signOut(ctx: Context, sessionToken: string): Promise<void> {
  await deleteSession(ctx.db, digest(sessionToken))
}

/** The stored id of the browser session a credential stands for, if it is one. */
export function sessionIdOf(credential: Credential): string | undefined {
  return credential.kind === 'session' ? credential.id.slice(SESSION_CREDENTIAL_PREFIX.length) : undefined
}

const SESSION_CREDENTIAL_PREFIX = 'session:'

/**
 * The signed-in user of a session cookie, as a personal principal without scopes (sessions reach
 * the admin API and the account pages, never the v0 API). Undefined when unknown or expired.
 */
export async function resolveSession(ctx: Context, sessionToken: string): Promise<Principal | undefined> {
  if (!/^[A-Za-z0-9]{43}$/.test(sessionToken)) return undefined
  const id = digest(sessionToken)
  const session = await findSession(ctx.db, id)
  if (!session || session.expiresAt <= nowMicros()) return undefined
  const user = await findUser(ctx.db, session.orgId, session.userId)
  if (!user || !user.active) return undefined
  const credential: Credential = {
    id: `${SESSION_CREDENTIAL_PREFIX}${id}`,
    orgId: session.orgId,
    kind: 'session',
    appId: null,
    userId: user.id,
    model: 'personal',
    scopes: [],
    status: 'active',
    name: null,
    grantId: null,
    createdAt: session.createdAt,
    expiresAt: session.expiresAt,
    revokedAt: null,
    botId: null,
  }
  return { model: 'personal', orgId: session.orgId, credential, app: null, user, address: tag('U', user.id), scopes: new Set() }
}
