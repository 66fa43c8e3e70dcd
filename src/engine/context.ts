// What every engine operation receives: the database and a clock (so jobs and tests control time),
// plus the zod edge check that turns bad input into one coded, localizable refusal.
import type { z } from "zod";
import { type Db, sqlOf, type Tx } from "../db/client.ts";
import { AppError } from "./errors.ts";
import { hasBadText } from "./input.ts";

/**
 * Something other people may need to hear about. Emitted inside the transaction that caused it,
 * so a listener that writes notifications (the conversation layer's outbox) commits or rolls
 * back with the change itself.
 */
export type DomainEvent =
  | {
      type:
        | "need.submitted"
        | "need.published"
        | "need.reported"
        | "need.confirmed"
        | "need.disputed"
        | "need.answered";
      needId: number;
    }
  | { type: "need.rejected"; needId: number; reason: string }
  | { type: "need.accepted" | "need.withdrawn"; needId: number; volunteerId: number }
  | { type: "need.cancelled" | "need.expired"; needId: number; volunteerId: number | null }
  | {
      type: "need.certified";
      needId: number;
      volunteerId: number;
      credited: number;
      balance: number;
      stars: number;
      note: string | null;
    }
  | { type: "need.refused"; needId: number; volunteerId: number; reason: string }
  | { type: "credit.gift"; fromId: number; toId: number; minutes: number }
  | { type: "credit.grant"; elderId: number; minutes: number }
  | { type: "credit.held" | "credit.spent"; needId: number; elderId: number; byId: number; minutes: number }
  | { type: "family.requested"; linkId: number; elderId: number; relativeId: number }
  | { type: "family.confirmed"; linkId: number; elderId: number; relativeId: number }
  | { type: "member.pending"; memberId: number; unitId: number }
  | { type: "role.offered"; offerId: number; memberId: number }
  | {
      type: "cross.sent" | "cross.received" | "cross.voided";
      memberId: number;
      peerId: number;
      direction: "out" | "in";
      minutes: number;
      reason: string | null;
    }
  | { type: "cross.move-requested"; bankId: number; peerId: number; memberId: number; minutes: number }
  | { type: "cross.mismatch"; bankId: number; peerId: number; ours: number; theirs: number }
  | { type: "broadcast"; broadcastId: number; unitId: number; role: BroadcastRole; text: string };

/** The engine's dependencies, passed explicitly to each operation. */
export interface Ctx {
  db: Db;
  now(): Date;
  /** Called inside the transaction of each change that others should hear about. */
  onEvent?: (tx: Tx, event: DomainEvent) => Promise<void>;
}

/** A context on the wall clock. */
export function createCtx(db: Db, now: () => Date = () => new Date(), onEvent?: Ctx["onEvent"]): Ctx {
  return { db, now, onEvent };
}

/** Tells the listener, if any, within the current transaction. */
export async function emit(ctx: Ctx, tx: Tx, event: DomainEvent): Promise<void> {
  await ctx.onEvent?.(tx, event);
}

/** Validates input at the edge; the first failing field is named in the error's params. */
export function parse<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  if (hasBadText(input)) throw new AppError("invalid-input", { field: "text", reason: "invalid_text" });
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  throw new AppError("invalid-input", { field: issue?.path.join(".") || "input", reason: issue?.code ?? "invalid" });
}

/** Who a broadcast goes to in the unit's subtree (and always its bound groups). */
export type BroadcastRole = "volunteer" | "elder" | "family" | "all";

/** Records an admin action: who, what, where, before and after (inside the action's transaction). */
export async function audit(
  tx: Tx,
  entry: {
    actorId: number;
    action: string;
    unitId?: number | null;
    targetType: string;
    targetId: number;
    before?: unknown;
    after?: unknown;
  },
): Promise<number> {
  // The entry's id names what it records where nothing else does (a broadcast's delivery progress).
  const row = await sqlOf(tx).get<{ id: number }>(
    "INSERT INTO audit_log (actor_id, action, unit_id, target_type, target_id, before, after, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
    [
      entry.actorId,
      entry.action,
      entry.unitId ?? null,
      entry.targetType,
      entry.targetId,
      entry.before === undefined ? null : JSON.stringify(entry.before),
      entry.after === undefined ? null : JSON.stringify(entry.after),
      new Date(),
    ],
  );
  return Number(row?.id);
}

/**
 * Runs an operation once per idempotency key, in one transaction: a replay of the key returns the
 * first result and changes nothing; the same key for another kind of operation is refused.
 */
export async function once<T>(
  ctx: Ctx,
  key: string,
  kind: string,
  fn: (tx: Tx) => Promise<T>,
  /** `ctx.db.fast` for an operation whose statements are all raw. */
  run: Ctx["db"]["tx"] = ctx.db.tx,
): Promise<T> {
  try {
    return await attempt(run, key, kind, fn);
  } catch (e) {
    // Two concurrent first runs of one key: the loser's insert hits the unique key; run it again
    // and it finds the winner's result.
    if (!isUniqueViolation(e)) throw e;
    return attempt(run, key, kind, fn);
  }
}

/** The result recorded under a key for `kind`; the key used for another kind is refused. */
export function replay<T>(prior: { kind: string; result: string }, kind: string): T {
  if (prior.kind !== kind) throw new AppError("idempotency-conflict");
  return JSON.parse(prior.result) as T;
}

/** Whether a database error is a unique-constraint violation. */
export function isUniqueViolation(e: unknown): boolean {
  const err = e as { code?: string; message?: string } | undefined;
  return err?.code === "P2002" || /unique constraint|UNIQUE constraint failed|23505/i.test(err?.message ?? "");
}

function attempt<T>(run: Ctx["db"]["tx"], key: string, kind: string, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return run(async (tx) => {
    const sql = sqlOf(tx);
    const prior = await sql.get<{ kind: string; result: string }>("SELECT kind, result FROM operation WHERE key = ?", [
      key,
    ]);
    if (prior) return replay<T>(prior, kind);
    const result = await fn(tx);
    await sql.run("INSERT INTO operation (key, kind, result, created_at) VALUES (?, ?, ?, ?)", [
      key,
      kind,
      JSON.stringify(result ?? null),
      new Date(),
    ]);
    return result;
  });
}
