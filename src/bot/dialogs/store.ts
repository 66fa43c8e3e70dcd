// Conversation state kept in the database: dialog steps (survive a restart, expire), the meaning
// of buttons (short opaque tokens), and one-time link codes.
import { randomBytes, randomInt } from "node:crypto";
import { sqlOf, type Tx } from "../../db/client.ts";
import type { Ctx } from "../../engine/index.ts";
import type { Button } from "../contract.ts";

/** A dialog in progress: which flow, which step, and what it collected so far. */
export interface DialogState {
  flow: string;
  step: string;
  data: Record<string, unknown>;
}

/** How long a dialog waits for the next answer before it is forgotten. */
export const DIALOG_TTL_MS = 30 * 60_000;
/** How long a button keeps working. */
export const BUTTON_TTL_MS = 30 * 24 * 3600_000;
/** How long a one-time link code is valid. */
export const CODE_TTL_MS = 24 * 3600_000;

type Where = { channel: string; externalId: string };

/** The user's dialog, or null (also when it expired, which deletes it). */
export async function getDialog(ctx: Ctx, where: Where): Promise<DialogState | null> {
  const row = await ctx.db.read((c) => c.dialog.findUnique({ where: { channel_externalId: where } }));
  if (!row) return null;
  if (row.expiresAt <= ctx.now()) {
    await clearDialog(ctx, where);
    return null;
  }
  return { flow: row.flow, step: row.step, data: JSON.parse(row.data) };
}

/** Stores the dialog's next step (replacing any other dialog of this user). */
export async function setDialog(ctx: Ctx, where: Where, state: DialogState): Promise<void> {
  const values = {
    flow: state.flow,
    step: state.step,
    data: JSON.stringify(state.data),
    expiresAt: new Date(ctx.now().getTime() + DIALOG_TTL_MS),
    updatedAt: ctx.now(),
  };
  await ctx.db.tx((tx) =>
    tx.dialog.upsert({ where: { channel_externalId: where }, create: { ...where, ...values }, update: values }),
  );
}

/** Forgets the user's dialog (`/cancel`, a new command, or a flow that finished). */
export async function clearDialog(ctx: Ctx, where: Where): Promise<void> {
  // Most events have no dialog to clear: check with a read before opening a write transaction.
  const has = await ctx.db.read((c) =>
    sqlOf(c).get("SELECT 1 AS x FROM dialog WHERE channel = ? AND external_id = ?", [where.channel, where.externalId]),
  );
  if (has) await ctx.db.tx((tx) => tx.dialog.deleteMany({ where }));
}

/** What a button does when pressed; `for` limits who may press it (null: anyone, e.g. Accept in a group). */
export interface ButtonSpec {
  label: string;
  kind: string;
  payload?: Record<string, unknown>;
}

const token = () => randomBytes(8).toString("base64url");

/** Stores the buttons' meanings and returns them with their tokens, inside a transaction. */
export async function saveButtons(
  tx: Tx,
  now: Date,
  memberId: number | null,
  rows: ButtonSpec[][],
): Promise<Button[][]> {
  const out: Button[][] = [];
  const data: Array<{
    token: string;
    memberId: number | null;
    kind: string;
    payload: string;
    expiresAt: Date;
    createdAt: Date;
  }> = [];
  for (const row of rows) {
    out.push(
      row.map((b) => {
        const tk = token();
        data.push({
          token: tk,
          memberId,
          kind: b.kind,
          payload: JSON.stringify(b.payload ?? {}),
          expiresAt: new Date(now.getTime() + BUTTON_TTL_MS),
          createdAt: now,
        });
        return { label: b.label, token: tk };
      }),
    );
  }
  // Raw, one statement: buttons are saved inside the engine's raw transactions too (Db.fast).
  if (data.length)
    await sqlOf(tx).run(
      `INSERT INTO action (token, member_id, kind, payload, expires_at, created_at) VALUES ${data.map(() => "(?, ?, ?, ?, ?, ?)").join(", ")}`,
      data.flatMap((a) => [a.token, a.memberId, a.kind, a.payload, a.expiresAt, a.createdAt]),
    );
  return out;
}

/**
 * As saveButtons, in its own transaction, for the buttons of a direct answer: on every /tasks and
 * /review, so its commit does not wait for the disk (`lazy`). Buttons lost with the machine (never
 * with the process) answer "expired" when pressed, and the person asks again; nothing happened yet.
 */
export function makeButtons(ctx: Ctx, memberId: number | null, rows: ButtonSpec[][]): Promise<Button[][]> {
  return ctx.db.lazy((tx) => saveButtons(tx, ctx.now(), memberId, rows));
}

/** A pressed button's meaning, or null if the token is unknown (forged) or expired. */
export async function findAction(
  ctx: Ctx,
  tk: string,
): Promise<{ kind: string; payload: Record<string, unknown>; memberId: number | null } | null> {
  if (!/^[A-Za-z0-9_-]{1,32}$/.test(tk)) return null;
  const row = await ctx.db.read((c) => c.action.findUnique({ where: { token: tk } }));
  if (!row || row.expiresAt <= ctx.now()) return null;
  return { kind: row.kind, payload: JSON.parse(row.payload), memberId: row.memberId };
}

/** A new one-time code (6 digits, easy to read out over the phone). */
export async function createCode(
  ctx: Ctx,
  kind: "family" | "channel",
  memberId: number,
  relation?: string,
): Promise<string> {
  for (;;) {
    const code = String(randomInt(100_000, 1_000_000));
    const made = await ctx.db.tx(async (tx) => {
      if (await tx.linkCode.findUnique({ where: { code } })) return false;
      await tx.linkCode.create({
        data: {
          code,
          kind,
          memberId,
          relation: relation ?? null,
          expiresAt: new Date(ctx.now().getTime() + CODE_TTL_MS),
        },
      });
      return true;
    });
    if (made) return code;
  }
}

/** Uses a code once: returns who created it, or null if unknown, used or expired. */
export async function useCode(ctx: Ctx, code: string, kind: "family" | "channel", usedById: number | null) {
  return ctx.db.tx(async (tx) => {
    const row = await tx.linkCode.findUnique({ where: { code } });
    if (!row || row.kind !== kind || row.usedAt || row.expiresAt <= ctx.now()) return null;
    const n = await tx.linkCode.updateMany({ where: { code, usedAt: null }, data: { usedAt: ctx.now(), usedById } });
    return n.count === 1 ? row : null;
  });
}
