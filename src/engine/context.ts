// What every engine operation receives: the database and a clock (so jobs and tests control time),
// plus the zod edge check that turns bad input into one coded, localizable refusal.
import type { z } from "zod";
import { type Db, sqlOf, type Tx } from "../db/client.ts";
import { AppError } from "./errors.ts";

/** The engine's dependencies, passed explicitly to each operation. */
export interface Ctx {
  db: Db;
  now(): Date;
}

/** A context on the wall clock. */
export function createCtx(db: Db, now: () => Date = () => new Date()): Ctx {
  return { db, now };
}

/** Validates input at the edge; the first failing field is named in the error's params. */
export function parse<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  throw new AppError("invalid-input", { field: issue?.path.join(".") || "input", reason: issue?.code ?? "invalid" });
}

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
): Promise<void> {
  await sqlOf(tx).run(
    "INSERT INTO audit_log (actor_id, action, unit_id, target_type, target_id, before, after, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
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
}

/**
 * Runs an operation once per idempotency key, in one transaction: a replay of the key returns the
 * first result and changes nothing; the same key for another kind of operation is refused.
 */
export async function once<T>(ctx: Ctx, key: string, kind: string, fn: (tx: Tx) => Promise<T>): Promise<T> {
  try {
    return await attempt(ctx, key, kind, fn);
  } catch (e) {
    // Two concurrent first runs of one key: the loser's insert hits the unique key; run it again
    // and it finds the winner's result.
    if (!isUniqueViolation(e)) throw e;
    return attempt(ctx, key, kind, fn);
  }
}

/** Whether a database error is a unique-constraint violation. */
export function isUniqueViolation(e: unknown): boolean {
  const err = e as { code?: string; message?: string } | undefined;
  return err?.code === "P2002" || /unique constraint|UNIQUE constraint failed|23505/i.test(err?.message ?? "");
}

function attempt<T>(ctx: Ctx, key: string, kind: string, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return ctx.db.tx(async (tx) => {
    const sql = sqlOf(tx);
    const prior = await sql.get<{ kind: string; result: string }>("SELECT kind, result FROM operation WHERE key = ?", [
      key,
    ]);
    if (prior) {
      if (prior.kind !== kind) throw new AppError("idempotency-conflict");
      return JSON.parse(prior.result) as T;
    }
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
