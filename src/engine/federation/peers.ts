// 通存通兑 across banks, this bank's side of the trust: its signing identity, the peer banks a root
// admin has added (address, public key, trust limits each way) and the clearing account each peer
// has in this ledger. The limits live on that account (floor = -limitIn, ceiling = limitOut), so
// the ledger's conditional updates refuse any transfer that would pass them.
import { createPrivateKey, createPublicKey, generateKeyPairSync } from "node:crypto";
import { z } from "zod";
import { sqlOf, type Tx } from "../../db/client.ts";
import { requireRoleOver } from "../authz.ts";
import { audit, type Ctx, once, parse } from "../context.ts";
import { AppError, ensure } from "../errors.ts";
import { id } from "../input.ts";

/** A bank's code, as configured (TIMEBANK_BANK_CODE) and as it appears in addresses. */
export const BankCode = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9-]{1,40}$/);

/** A member at another bank: BANKCODE:MEMBERNO (the member number is their id there). */
export const Address = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9-]{1,40}:\d{1,12}$/)
  .transform((s) => {
    const [code, no] = s.split(":") as [string, string];
    return { code, memberNo: Number(no), text: s };
  });

/** An Ed25519 public key as one line: base64 of its DER (SPKI) encoding. */
export const PublicKey = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9+/]{40,80}={0,2}$/)
  .refine((k) => {
    try {
      return (
        createPublicKey({ key: Buffer.from(k, "base64"), format: "der", type: "spki" }).asymmetricKeyType === "ed25519"
      );
    } catch {
      return false;
    }
  }, "not an Ed25519 public key");

/** What this bank signs with. The private key never leaves the process (nor reaches a log). */
export interface BankIdentity {
  bankId: number;
  code: string;
  name: string;
  publicKey: string;
  privateKey: string;
}

const der = (k: ReturnType<typeof createPublicKey>, type: "spki" | "pkcs8") =>
  (k.export({ format: "der", type }) as Buffer).toString("base64");

/**
 * The bank's key pair: given by the environment (base64 PKCS#8, TIMEBANK_BANK_KEY), or made at the
 * first start and kept in the database (the first of several starting processes wins).
 */
export async function bankIdentity(ctx: Ctx, bankId: number, envKey?: string): Promise<BankIdentity> {
  if (envKey) {
    const priv = createPrivateKey({ key: Buffer.from(envKey, "base64"), format: "der", type: "pkcs8" });
    ensure(priv.asymmetricKeyType === "ed25519", "invalid-input", { field: "TIMEBANK_BANK_KEY" });
    const publicKey = der(createPublicKey(priv), "spki");
    await ctx.db.tx((tx) =>
      sqlOf(tx).run("UPDATE bank SET public_key = ?, private_key = NULL WHERE id = ?", [publicKey, bankId]),
    );
    const b = await ctx.db.read((c) => c.bank.findUniqueOrThrow({ where: { id: bankId } }));
    return { bankId, code: b.code, name: b.name, publicKey, privateKey: envKey };
  }
  const read = () => ctx.db.read((c) => c.bank.findUniqueOrThrow({ where: { id: bankId } }));
  let b = await read();
  if (!b.publicKey || !b.privateKey) {
    const pair = generateKeyPairSync("ed25519");
    await ctx.db.tx((tx) =>
      sqlOf(tx).run("UPDATE bank SET public_key = ?, private_key = ? WHERE id = ? AND private_key IS NULL", [
        der(pair.publicKey, "spki"),
        der(pair.privateKey as never, "pkcs8"),
        bankId,
      ]),
    );
    b = await read();
  }
  return { bankId, code: b.code, name: b.name, publicKey: b.publicKey ?? "", privateKey: b.privateKey ?? "" };
}

/** A peer as the engine uses it. */
export interface PeerRow {
  id: number;
  bankId: number;
  code: string;
  name: string;
  url: string;
  publicKey: string;
  limitOut: number;
  limitIn: number;
  accountId: number;
  linkedAt: Date | string | null;
}

const PEER_COLUMNS = `id, bank_id AS "bankId", code, name, url, public_key AS "publicKey", limit_out AS "limitOut",
  limit_in AS "limitIn", account_id AS "accountId", linked_at AS "linkedAt"`;

/** The peer with that code, or undefined. */
export async function peerByCode(tx: Tx, bankId: number, code: string): Promise<PeerRow | undefined> {
  return sqlOf(tx).get<PeerRow>(`SELECT ${PEER_COLUMNS} FROM peer WHERE bank_id = ? AND code = ?`, [bankId, code]);
}

/**
 * The bank's peers from memory, read again every few seconds (and at once after a change made in
 * this process): every message in and out names its peer, and a peer changes a few times a year.
 * A peer changed by another process is seen within PEER_CACHE_MS.
 */
export const PEER_CACHE_MS = 5_000;
const caches = new WeakMap<object, Map<number, { at: number; rows: PeerRow[] }>>();
/** The cache of one database (a test or a bench runs several banks in one process). */
const cacheOf = (ctx: Ctx) => {
  const c = caches.get(ctx.db) ?? new Map<number, { at: number; rows: PeerRow[] }>();
  caches.set(ctx.db, c);
  return c;
};

/** A peer by code or id, from the cache. */
export async function findPeer(
  ctx: Ctx,
  bankId: number,
  by: { code: string } | { id: number },
): Promise<PeerRow | undefined> {
  const pick = (rows: PeerRow[]) => rows.find((p) => ("code" in by ? p.code === by.code : p.id === by.id));
  const cache = cacheOf(ctx);
  const hit = cache.get(bankId);
  const fresh = hit && Date.now() - hit.at < PEER_CACHE_MS;
  // A miss reads again, at most once a second (an unknown sender must not cost a query each).
  if (hit && (fresh || Date.now() - hit.at < 1_000)) {
    const p = pick(hit.rows);
    if (p || Date.now() - hit.at < 1_000) return p;
  }
  const rows = await ctx.db.read((c) =>
    sqlOf(c).all<PeerRow>(`SELECT ${PEER_COLUMNS} FROM peer WHERE bank_id = ?`, [bankId]),
  );
  cache.set(bankId, { at: Date.now(), rows });
  return pick(rows);
}

/** The bank's root unit: only its admins deal with other banks. */
export async function rootUnitOf(tx: Tx, bankId: number): Promise<number> {
  const u = await sqlOf(tx).get<{ id: number }>(
    "SELECT id FROM unit WHERE bank_id = ? AND parent_id IS NULL ORDER BY id LIMIT 1",
    [bankId],
  );
  if (!u) throw new AppError("not-found", { what: "unit" });
  return u.id;
}

/** A trust limit in minutes, each way (the console's peer form checks it with this too). */
export const PeerLimit = z.number().int().min(0).max(100_000_000);

const PeerInput = z.object({
  actorId: id,
  bankId: id,
  code: BankCode,
  url: z
    .string()
    .trim()
    .max(300)
    .regex(/^https?:\/\/[^\s/]+(\/[^\s]*)?$/)
    .transform((u) => u.replace(/\/+$/, "")),
  publicKey: PublicKey,
  limitOut: PeerLimit,
  limitIn: PeerLimit,
  name: z.string().trim().max(100).default(""),
  key: z.string().min(1).max(200),
});

/**
 * Adds a peer bank, or changes its address, key or limits (root admins only, audited). New limits
 * the present position already passes are refused: the account's conditional update says so.
 */
export async function addPeer(ctx: Ctx, input: z.input<typeof PeerInput>) {
  const d = parse(PeerInput, input);
  return once(ctx, d.key, "peer.add", async (tx) => {
    const root = await rootUnitOf(tx, d.bankId);
    await requireRoleOver(tx, d.actorId, root, ["admin"]);
    const own = await tx.bank.findUniqueOrThrow({ where: { id: d.bankId } });
    ensure(own.code !== d.code, "invalid-input", { field: "code" });
    const sql = sqlOf(tx);
    const before = await peerByCode(tx, d.bankId, d.code);
    let accountId = before?.accountId;
    if (!accountId) {
      const a = await sql.get<{ id: number }>(
        `INSERT INTO account (bank_id, code, allow_negative, floor, ceiling, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
        [d.bankId, `peer:${d.code}`, true, -d.limitIn, d.limitOut, ctx.now()],
      );
      accountId = Number(a?.id);
    } else {
      const n = await sql.run(
        `UPDATE account SET floor = ?, ceiling = ? WHERE id = ?
           AND credits_posted - debits_posted - debits_pending >= ? AND credits_posted + credits_pending - debits_posted <= ?`,
        [-d.limitIn, d.limitOut, accountId, -d.limitIn, d.limitOut],
      );
      ensure(n === 1, "clearing-limit", { minutes: 0 });
    }
    const values = [d.name, d.url, d.publicKey, d.limitOut, d.limitIn, ctx.now()];
    let peerId = before?.id ?? 0;
    if (before)
      await sql.run(
        "UPDATE peer SET name = ?, url = ?, public_key = ?, limit_out = ?, limit_in = ?, updated_at = ?, linked_at = NULL WHERE id = ?",
        [...values, before.id],
      );
    else
      peerId = Number(
        (
          await sql.get<{ id: number }>(
            `INSERT INTO peer (name, url, public_key, limit_out, limit_in, updated_at, bank_id, code, account_id, added_by_id, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
            [...values, d.bankId, d.code, accountId, d.actorId, ctx.now()],
          )
        )?.id,
      );
    cacheOf(ctx).delete(d.bankId);
    await audit(tx, {
      actorId: d.actorId,
      action: before ? "peer.change" : "peer.add",
      unitId: root,
      targetType: "peer",
      targetId: peerId,
      before: before ? { url: before.url, limitOut: before.limitOut, limitIn: before.limitIn } : undefined,
      after: { code: d.code, url: d.url, limitOut: d.limitOut, limitIn: d.limitIn },
    });
    return { peerId };
  });
}

/** Notes that the peer answered a signed hello: it has added this bank too, and federation is on. */
export async function markLinked(ctx: Ctx, peerId: number, name?: unknown): Promise<void> {
  // Its name as it calls itself, unless an admin named it.
  const n = typeof name === "string" ? name.trim().slice(0, 100) : "";
  await ctx.db.tx((tx) =>
    sqlOf(tx).run("UPDATE peer SET linked_at = ?, name = CASE WHEN name = '' THEN ? ELSE name END WHERE id = ?", [
      ctx.now(),
      n,
      peerId,
    ]),
  );
}
