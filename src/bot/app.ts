// Wires the conversation layer to the engine: the bot's context gets the listener that turns
// domain events into outbox messages inside each change's transaction.
import type { Db } from "../db/client.ts";
import * as engine from "../engine/index.ts";
import { onEvent } from "./delivery/notify.ts";
import type { Bot } from "./routing/turn.ts";

/** The bot for one bank on an open database. */
export function createBot(
  db: Db,
  bank: { bankId: number; rootUnitId: number },
  now: () => Date = () => new Date(),
): Bot {
  const ctx = engine.createCtx(db, now, (tx, e) => onEvent(tx, now(), e));
  return { ctx, ...bank };
}
