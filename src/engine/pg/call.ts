// What the PostgreSQL hot paths share: they read what they decide on and write in one call of a
// server-side function (created by the derived_accounts migration) that also records the
// operation under its key, and the functions refuse with their own SQLSTATEs.
import type { Tx } from "../../db/client.ts";
import { sqlState } from "../../db/sql.ts";
import { type Ctx, isUniqueViolation } from "../context.ts";
import { AppError, type ErrorCode } from "../errors.ts";
import { DEFAULT_POLICY } from "../organisation/policy.ts";

/**
 * Runs a hot path whose writes are one function call. Without a listener that call is the whole
 * transaction (run on the pool); with one, the listener's notifications (raw statements) join it
 * in a raw transaction. Two first runs of one key at once: the loser's operation row hits the
 * key, and its second run reads the winner's result.
 */
export async function inOneCall<T>(ctx: Ctx, run: (tx: Tx) => Promise<T>): Promise<T> {
  const exec = ctx.onEvent ? ctx.db.fast : (fn: typeof run) => ctx.db.read((c) => fn(c as unknown as Tx));
  try {
    return await exec(run);
  } catch (e) {
    if (!isUniqueViolation(e)) throw e;
    return exec(run);
  }
}

/**
 * A function's refusal codes and the engine errors they stand for, with fixed parameters, or
 * "minutes" for a refusal whose message is the number of minutes it is about.
 */
export type Refusals = Record<string, [ErrorCode, (Record<string, string> | "minutes")?]>;

/** Calls a ledger function, turning its refusals into AppErrors: TB402 (not enough credits) always, the rest by `refusals`. */
export async function refusing<T>(fn: () => Promise<T>, refusals: Refusals, minutes = 0): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    const code = sqlState(e);
    if (code === "TB402") throw new AppError("insufficient-credits", { minutes });
    const refusal = code ? refusals[code] : undefined;
    if (!refusal) throw e;
    const [error, params] = refusal;
    if (params !== "minutes") throw new AppError(error, params);
    // The function raised the number as its whole message; Prisma's raw path wraps it in words.
    const number = /(?:^|\D)(\d+)\D*$/.exec(String((e as Error).message ?? ""))?.[1];
    throw new AppError(error, { minutes: Number(number ?? 0) });
  }
}

/** A json column: parsed by `pg`, text through Prisma. */
export const json = <T>(v: unknown): T => (typeof v === "string" ? JSON.parse(v) : v) as T;

/** The policy defaults, as the functions that work out a unit's policy take them. */
export const DEFAULTS = JSON.stringify(DEFAULT_POLICY);
