// Signing in to the web console without passwords: /web in any chat gives a one-time link (ten
// minutes, used once) that opens a session. Only hashes of tokens and session ids are stored, so a
// copy of the database signs nobody in. Sessions end after idle minutes or at an absolute end, and
// their id is replaced every few minutes of use.
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { sqlOf } from "../db/client.ts";
import { rolesOf } from "../engine/authz.ts";
import { AppError, type Ctx, findByIdentity } from "../engine/index.ts";

/** How long the pieces of a sign-in last (milliseconds). */
export const WEB_TIMES = {
  link: 10 * 60_000,
  idle: 30 * 60_000,
  absolute: 12 * 3600_000,
  rotate: 5 * 60_000,
  /** How long a replaced session id still works (requests already on their way). */
  grace: 60_000,
};

/** How often a session in use is noted (idle time is counted from the last note). */
const TOUCH_MS = 60_000;

const token = () => randomBytes(32).toString("base64url");
const hash = (s: string) => createHash("sha256").update(s).digest("hex");

/** Whether the member may use the console: an admin or a hotline operator somewhere. */
export async function mayUseConsole(ctx: Ctx, memberId: number): Promise<boolean> {
  const roles = await ctx.db.read((c) => rolesOf(c as never, memberId));
  return roles.some((r) => r.role === "admin" || r.role === "hotline");
}

/** A new one-time sign-in token for the member (admins and hotline operators only). */
export async function issueLogin(ctx: Ctx, memberId: number): Promise<string> {
  if (!(await mayUseConsole(ctx, memberId))) throw new AppError("forbidden");
  const t = token();
  const now = ctx.now();
  await ctx.db.tx((tx) =>
    tx.webLogin.create({
      data: { tokenHash: hash(t), memberId, expiresAt: new Date(now.getTime() + WEB_TIMES.link), createdAt: now },
    }),
  );
  return t;
}

/** An open session as the browser holds it: the cookie's id and the form token. */
export interface Session {
  id: string;
  memberId: number;
  csrf: string;
  /** Who it is, as pages show them (set when a request finds its session). */
  name?: string;
  locale?: string | null;
  /** Set when the id was replaced: the cookie to send back. */
  renewed?: string;
}

/** Uses a sign-in token (once, before it expires) and opens a session; null if it is no good. */
export async function redeemLogin(ctx: Ctx, t: string): Promise<Session | null> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(t)) return null;
  const now = ctx.now();
  const memberId = await ctx.db.tx(async (tx) => {
    // One conditional update: of two clicks on one link, one signs in.
    const used = await tx.webLogin.updateMany({
      where: { tokenHash: hash(t), usedAt: null, expiresAt: { gt: now } },
      data: { usedAt: now },
    });
    if (used.count !== 1) return null;
    return (await tx.webLogin.findUniqueOrThrow({ where: { tokenHash: hash(t) } })).memberId;
  });
  return memberId === null ? null : openSession(ctx, memberId);
}

/**
 * Signs in from a Telegram Mini App: `initData` as Telegram hands it to the page, checked with the
 * bot token (HMAC-SHA256 keyed by "WebAppData"), at most ten minutes old, of a Telegram user linked
 * to a member who may use the console. Null if any of that fails.
 */
export async function miniAppLogin(ctx: Ctx, botToken: string, initData: string): Promise<Session | null> {
  const params = new URLSearchParams(initData);
  const given = params.get("hash") ?? "";
  params.delete("hash");
  const check = [...params]
    .map(([k, v]) => `${k}=${v}`)
    .sort()
    .join("\n");
  const secret = createHmac("sha256", "WebAppData").update(botToken).digest();
  const want = createHmac("sha256", secret).update(check).digest("hex");
  if (given.length !== want.length || !timingSafeEqual(Buffer.from(given), Buffer.from(want))) return null;
  const authDate = Number(params.get("auth_date") ?? 0) * 1000;
  if (!(authDate > ctx.now().getTime() - WEB_TIMES.link && authDate < ctx.now().getTime() + 60_000)) return null;
  let userId: unknown;
  try {
    userId = (JSON.parse(params.get("user") ?? "{}") as { id?: unknown }).id;
  } catch {
    return null;
  }
  if (typeof userId !== "number") return null;
  const member = await findByIdentity(ctx, "telegram", String(userId));
  if (!member || !(await mayUseConsole(ctx, member.id))) return null;
  return openSession(ctx, member.id);
}

/** A new session for the member: fresh id and form token. */
async function openSession(ctx: Ctx, memberId: number): Promise<Session> {
  const now = ctx.now();
  const id = token();
  const csrf = token();
  await ctx.db.tx((tx) =>
    tx.webSession.create({
      data: {
        idHash: hash(id),
        memberId,
        csrf,
        expiresAt: new Date(now.getTime() + WEB_TIMES.absolute),
        lastSeenAt: now,
        rotatedAt: now,
        createdAt: now,
      },
    }),
  );
  return { id, memberId, csrf };
}

/**
 * The session a cookie names, if it is still open: touched (idle time restarts) and, every few
 * minutes, given a new id (`renewed`). A replaced id works for a minute more.
 */
export async function sessionOf(ctx: Ctx, id: string | undefined): Promise<Session | null> {
  if (!id || !/^[A-Za-z0-9_-]{43}$/.test(id)) return null;
  const now = ctx.now();
  const h = hash(id);
  // A read (with who it is); a write only to replace the id or, at most once a minute, to note use.
  const row = await ctx.db.read((c) =>
    sqlOf(c).get<{
      idHash: string;
      memberId: number;
      csrf: string;
      expiresAt: string | Date;
      lastSeenAt: string | Date;
      rotatedAt: string | Date;
      name: string;
      locale: string | null;
    }>(
      `SELECT s.id_hash AS "idHash", s.member_id AS "memberId", s.csrf, s.expires_at AS "expiresAt",
              s.last_seen_at AS "lastSeenAt", s.rotated_at AS "rotatedAt", m.name, m.locale
         FROM web_session s JOIN member m ON m.id = s.member_id WHERE s.id_hash = ? OR s.prev_hash = ?`,
      [h, h],
    ),
  );
  const s = row && {
    ...row,
    expiresAt: new Date(row.expiresAt),
    lastSeenAt: new Date(row.lastSeenAt),
    rotatedAt: new Date(row.rotatedAt),
  };
  if (!s || s.expiresAt <= now || s.lastSeenAt.getTime() + WEB_TIMES.idle <= now.getTime()) return null;
  if (s.idHash !== h && s.rotatedAt.getTime() + WEB_TIMES.grace <= now.getTime()) return null;
  const who = { memberId: s.memberId, csrf: s.csrf, name: s.name, locale: s.locale };
  if (s.idHash === h && s.rotatedAt.getTime() + WEB_TIMES.rotate <= now.getTime()) {
    const fresh = token();
    const n = await ctx.db.tx((tx) =>
      tx.webSession.updateMany({
        where: { idHash: h },
        data: { idHash: hash(fresh), prevHash: h, rotatedAt: now, lastSeenAt: now },
      }),
    );
    if (n.count === 1) return { ...who, id: fresh, renewed: fresh };
  }
  if (s.lastSeenAt.getTime() + TOUCH_MS <= now.getTime())
    await ctx.db.tx((tx) => tx.webSession.updateMany({ where: { idHash: s.idHash }, data: { lastSeenAt: now } }));
  return { ...who, id };
}

/** Ends a session (sign-out). */
export async function endSession(ctx: Ctx, id: string): Promise<void> {
  const h = hash(id);
  await ctx.db.tx((tx) => tx.webSession.deleteMany({ where: { OR: [{ idHash: h }, { prevHash: h }] } }));
}

/** Whether a submitted form token is the session's (in constant time). */
export function csrfMatches(session: Session, submitted: unknown): boolean {
  if (typeof submitted !== "string") return false;
  const a = Buffer.from(session.csrf);
  const b = Buffer.from(submitted);
  return a.length === b.length && timingSafeEqual(a, b);
}
