// 通存通兑 in chat: members see the banks this one clears with and their own address, confirm a
// relative at another bank, and gift, pay a need or move their balance across; root admins add
// peer banks and approve moves. Every step is the engine's (re-authorized there); the federation
// carries the signed messages between banks.
import { sqlOf, type Tx } from "../../db/client.ts";
import * as engine from "../../engine/index.ts";
import { AppError, type DomainEvent, ERROR_CODES } from "../../engine/index.ts";
import type { Outcome } from "../../federation/clearing.ts";
import { countArg, opKey, type Step, say, type Turn, text, tr } from "../routing/turn.ts";
import { duration } from "../text/format.ts";
import { type Locale, t } from "../text/i18n.ts";

type Command = (turn: Turn, arg: string) => Promise<Step>;
const one = async (r: ReturnType<typeof say>): Promise<Step> => ({ replies: [await r] });
const words = (arg: string) => arg.split(/\s+/).filter(Boolean);
const me = (turn: Turn) => turn.member?.id ?? 0;

/** The federation, or a refusal saying this bank clears with no one yet. */
function federation(turn: Turn) {
  if (!turn.bot.federation) throw new AppError("unknown-bank", { bank: "-" });
  return turn.bot.federation;
}

/** Tells the member how a cross-bank operation ended (or that it is on its way). */
async function outcome(turn: Turn, o: Outcome, minutes: number, to: string): Promise<Step> {
  if (o.state === "committed") return one(say(turn, "cross-done", { hours: duration(turn.locale, minutes), to }));
  if (o.state === "pending") return one(say(turn, "cross-pending", { hours: duration(turn.locale, minutes), to }));
  return one(say(turn, "cross-refused", { to, why: refusalText(turn.locale, o.refusal.code, o.refusal.params) }));
}

/** The address syntax BANK:NUMBER, or a localized refusal naming the field. */
function address(raw: string | undefined, field = "bankAddress") {
  const a = engine.Address.safeParse(raw ?? "");
  if (!a.success) throw new AppError("invalid-input", { field });
  return a.data;
}

/** A gift or payment to another bank, and what the member is told of it. */
async function across(turn: Turn, kind: "gift" | "pay", addr?: string, amount?: string, need?: string) {
  const to = address(addr);
  const needId = kind === "pay" ? countArg(need, "need") : undefined;
  const minutes = countArg(amount, "minutes", 1, 1_000_000);
  const key = opKey(turn, kind === "gift" ? "send" : "pay");
  const o = await federation(turn).send({ actorId: me(turn), to: to.text, minutes, kind, needId, key });
  return outcome(turn, o, minutes, to.text);
}

/** Commands about other banks, for every member (and root admins: /bank, /moves, /approvemove). */
export const BANK_COMMANDS: Record<string, Command> = {
  async banks(turn) {
    // Members see which banks credits can go to; root admins also see the key, positions and limits.
    const overview = await engine.clearingOverview(turn.bot.ctx, me(turn)).catch((e) => {
      if (e instanceof AppError && e.code === "forbidden") return null;
      throw e;
    });
    const admin = overview?.bankId === turn.bot.bankId;
    const peers = admin && overview ? overview.peers : await engine.peersOf(turn.bot.ctx, turn.bot.bankId);
    const self = turn.bot.federation?.me;
    const head =
      self && admin
        ? tr(turn, "banks-self", {
            code: self.code,
            key: self.publicKey,
            url: turn.bot.publicUrl ?? turn.bot.webBase ?? "-",
          })
        : "";
    if (!peers.length) return one(text(turn, [head, tr(turn, "banks-empty")].filter(Boolean).join("\n")));
    if (!admin) {
      const open = peers.filter((p) => p.linked).map((p) => `${p.code}（${p.name || p.code}）`);
      return one(say(turn, open.length ? "banks-member" : "banks-empty", { banks: open.join("、") }));
    }
    const lines = peers.map((p) =>
      tr(turn, p.linked ? "banks-line" : "banks-line-waiting", {
        code: p.code,
        name: p.name || p.code,
        position: p.position,
        pending: p.pending,
        out: p.limitOut,
        in: p.limitIn,
        statement: p.lastStatement
          ? tr(turn, p.lastStatement.matches ? "banks-statement-ok" : "banks-statement-bad", p.lastStatement as never)
          : "",
      }),
    );
    return one(text(turn, [head, tr(turn, "banks-title"), ...lines].filter(Boolean).join("\n")));
  },
  async address(turn) {
    const self = federation(turn).me;
    return one(say(turn, "cross-address", { address: `${self.code}:${me(turn)}` }));
  },
  async relative(turn, arg) {
    const [addr, relation] = words(arg);
    const r = await engine.addRemoteRelative(turn.bot.ctx, {
      actorId: me(turn),
      address: address(addr).text,
      relation: relation as never,
    });
    return one(say(turn, "cross-relative-added", { address: r.address, relation: tr(turn, `relation-${r.relation}`) }));
  },
  async send(turn, arg) {
    // /send BANK:NUMBER MINUTES — a gift to a relative at another bank.
    const [addr, amount] = words(arg);
    return across(turn, "gift", addr, amount);
  },
  async pay(turn, arg) {
    // /pay BANK:ELDER NEED MINUTES — pays a need of a relative at another bank.
    const [addr, need, amount] = words(arg);
    return across(turn, "pay", addr, amount, need);
  },
  async move(turn, arg) {
    const to = address(words(arg)[0]);
    federation(turn);
    const r = await engine.requestMove(turn.bot.ctx, { actorId: me(turn), to: to.text, key: opKey(turn, "move") });
    return one(
      say(turn, "cross-move-requested", { id: r.moveId, hours: duration(turn.locale, r.minutes), to: to.text }),
    );
  },
  async bank(turn, arg) {
    // /bank add CODE URL PUBLICKEY LIMIT_OUT LIMIT_IN — a root admin adds (or changes) a peer bank.
    const [verb, code, url, key, out, inn] = words(arg);
    if (verb !== "add") throw new AppError("invalid-input", { field: "add" });
    // Named in the order typed: a bad code is said before a bad limit.
    const bank = engine.BankCode.safeParse(code ?? "");
    if (!bank.success) throw new AppError("invalid-input", { field: "code" });
    const f = federation(turn);
    await engine.addPeer(turn.bot.ctx, {
      actorId: me(turn),
      bankId: turn.bot.bankId,
      code: bank.data,
      url: url ?? "",
      publicKey: key ?? "",
      limitOut: countArg(out, "limit", 0, 100_000_000),
      limitIn: countArg(inn, "limit", 0, 100_000_000),
      key: opKey(turn, "bank-add"),
    });
    const linked = await f.hello(bank.data);
    return one(say(turn, linked ? "bank-added-linked" : "bank-added-waiting", { code: bank.data }));
  },
  async moves(turn) {
    const list = await engine.movesAwaiting(turn.bot.ctx, me(turn), turn.bot.bankId);
    if (!list.length) return one(say(turn, "moves-empty"));
    const lines = list.map((x) =>
      tr(turn, x.direction === "out" ? "moves-line-out" : "moves-line-in", {
        id: x.id,
        name: x.memberName,
        member: x.memberId ?? 0,
        bank: x.peerCode,
        remote: x.remoteMember,
        hours: duration(turn.locale, x.amount),
      }),
    );
    return one(text(turn, [tr(turn, "moves-title"), ...lines].join("\n")));
  },
  async cancelmove(turn, arg) {
    // The member who asked, or a root admin (also to refuse a move arriving from another bank).
    const moveId = countArg(arg, "move");
    await engine.cancelMove(turn.bot.ctx, { actorId: me(turn), bankId: turn.bot.bankId, moveId });
    return one(say(turn, "move-cancelled-done", { id: moveId }));
  },
  async approvemove(turn, arg) {
    const moveId = countArg(arg, "move");
    const f = federation(turn);
    const r = await engine.approveMove(turn.bot.ctx, { actorId: me(turn), bankId: turn.bot.bankId, moveId });
    if (r.direction === "out") await f.drive(r.peerId, r.xid);
    return one(say(turn, "move-approved", { id: moveId }));
  },
};

/**
 * A refusal's words without its details: the code may come from another bank, and the message of
 * a code that needs values (how many minutes) is replaced by the general one.
 */
export function refusalText(l: Locale, code: string, params: Record<string, unknown> = {}): string {
  const safe = Object.fromEntries(
    Object.entries(params).filter(
      ([, v]) => typeof v === "number" || (typeof v === "string" && v.length <= 60 && !/[\n\r]/.test(v)),
    ),
  ) as Record<string, string | number>;
  try {
    return ERROR_CODES.includes(code as never) ? t(l, code, safe) : t(l, "peer-refused");
  } catch {
    return t(l, "peer-refused");
  }
}

/** The 通存通兑 events: the member hears how their transfer ended; root admins, of moves and mismatches. */
export async function crossBankNote(
  tx: Tx,
  e: DomainEvent,
  each: (ids: number[], body: (l: Locale) => { text: string }) => Promise<void>,
): Promise<void> {
  // Raw statements: these events happen inside the federation's raw transactions (Db.fast).
  const sql = sqlOf(tx);
  const peer = "peerId" in e ? await sql.get<{ code: string }>("SELECT code FROM peer WHERE id = ?", [e.peerId]) : null;
  const bank = peer?.code ?? "";
  const rootAdmins = async (bankId: number) =>
    (
      await sql.all<{ id: number }>(
        `SELECT DISTINCT r.member_id AS id FROM role r JOIN unit u ON u.id = r.unit_id
          WHERE r.role = 'admin' AND u.bank_id = ? AND u.parent_id IS NULL ORDER BY r.member_id`,
        [bankId],
      )
    ).map((r) => r.id);
  switch (e.type) {
    case "cross.sent":
    case "cross.received":
    case "cross.voided":
      await each([e.memberId], (l) => ({
        text: t(l, `note-${e.type.replace(".", "-")}-${e.direction}`, {
          bank,
          hours: duration(l, e.minutes),
          why: e.reason ? refusalText(l, e.reason) : "",
        }),
      }));
      return;
    case "cross.move-requested":
      await each(await rootAdmins(e.bankId), (l) => ({
        text: t(l, "note-move-requested", { bank, member: e.memberId, hours: duration(l, e.minutes) }),
      }));
      return;
    case "cross.mismatch":
      await each(await rootAdmins(e.bankId), (l) => ({
        text: t(l, "note-statement-mismatch", { bank, ours: e.ours, theirs: e.theirs }),
      }));
      return;
  }
}
