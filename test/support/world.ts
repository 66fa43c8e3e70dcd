// A small bank to test against: a root unit and a community, an admin, a trained volunteer, an
// elder born in 1950 and their confirmed daughter, all registered through the engine itself.
import { afterAll, beforeAll } from "vitest";
import type { Provider } from "../../src/db/adapters.ts";
import type { Db } from "../../src/db/client.ts";
import * as engine from "../../src/engine/index.ts";
import { scratchDb } from "./db.ts";

/** The fixed "now" of the tests: services are booked the next day. */
export const NOW = new Date("2026-06-01T08:00:00Z");
export const TOMORROW_9 = new Date("2026-06-02T09:00:00Z");
export const TOMORROW_11 = new Date("2026-06-02T11:00:00Z");

let seq = 0;
/** A unique idempotency key. */
export const k = (label = "op") => `${label}-${++seq}-${Math.random().toString(36).slice(2, 8)}`;

export interface World {
  ctx: engine.Ctx;
  clock: { now: Date };
  bankId: number;
  root: number;
  community: number;
  admin: number;
  volunteer: number;
  elder: number;
  daughter: number;
  /** Registers another trained volunteer at the community. */
  addVolunteer(name: string): Promise<number>;
}

export async function buildWorld(db: Db): Promise<World> {
  const clock = { now: NOW };
  const ctx = engine.createCtx(db, () => clock.now);
  const { bankId, rootUnitId: root } = await engine.ensureBank(ctx, {
    code: "futian",
    name: "福田区时间银行",
    level: "district",
  });
  const reg = async (name: string, birthYear: number) =>
    (await engine.registerMember(ctx, { channel: "console", externalId: `${name}-${k()}`, name, birthYear })).id;
  const admin = await reg("管理员", 1980);
  await engine.bootstrapAdmin(ctx, admin, root);
  const unit = await engine.createUnit(ctx, { actorId: admin, parentId: root, name: "香蜜湖社区", level: "community" });
  // The community's grant pool, funded by the district above it (grants to priority elders come from it).
  await engine.fundGrantPool(ctx, { actorId: admin, unitId: unit.id, minutes: 100_000, key: k("fund") });
  const addVolunteer = async (name: string) => {
    const v = await reg(name, 1990);
    await engine.addRole(ctx, { actorId: v, memberId: v, unitId: unit.id, role: "volunteer" });
    await engine.recordTraining(ctx, { actorId: admin, memberId: v, minutes: 120 });
    return v;
  };
  const volunteer = await addVolunteer("志愿者小王");
  const elder = await reg("李奶奶", 1950);
  await engine.addRole(ctx, { actorId: elder, memberId: elder, unitId: unit.id, role: "elder" });
  await engine.verifyMember(ctx, { actorId: admin, memberId: elder, approve: true });
  const daughter = await reg("李女士", 1978);
  await engine.addRole(ctx, { actorId: daughter, memberId: daughter, unitId: unit.id, role: "family" });
  const link = await engine.linkFamily(ctx, {
    actorId: daughter,
    elderId: elder,
    relativeId: daughter,
    relation: "child",
  });
  await engine.confirmFamily(ctx, { actorId: elder, linkId: link.id });
  return { ctx, clock, bankId, root, community: unit.id, admin, volunteer, elder, daughter, addVolunteer };
}

/** Posts, approves, accepts, reports and confirms one service; returns the need id. */
export async function serviceReadyToCertify(
  w: World,
  opts: { volunteer?: number; minutes?: number; category?: string; pay?: boolean } = {},
) {
  const volunteer = opts.volunteer ?? w.volunteer;
  const minutes = opts.minutes ?? 60;
  const { needId } = await engine.postNeed(w.ctx, {
    actorId: w.daughter,
    elderId: w.elder,
    categoryCode: opts.category ?? "companionship",
    description: "陪老人聊天",
    startAt: TOMORROW_9,
    endAt: TOMORROW_11,
    expectedMinutes: minutes,
    payWithCredits: opts.pay ?? false,
    key: k("post"),
  });
  await engine.reviewNeed(w.ctx, { actorId: w.admin, needId, approve: true, key: k("review") });
  await engine.acceptNeed(w.ctx, { actorId: volunteer, needId, key: k("accept") });
  const saved = w.clock.now;
  w.clock.now = new Date(TOMORROW_11.getTime() + 60_000);
  try {
    await engine.reportService(w.ctx, { actorId: volunteer, needId, minutes, key: k("report") });
    await engine.confirmService(w.ctx, { actorId: w.elder, needId, rating: 5, key: k("confirm") });
  } finally {
    w.clock.now = saved;
  }
  return needId;
}

/** Gives the enclosing suite a fresh, migrated database with a built world, removed afterwards. */
export function useWorld(provider: Provider, take: (s: { db: Db; w: World; url: string }) => void | Promise<void>) {
  let dispose: () => Promise<void> = async () => {};
  beforeAll(async () => {
    const s = await scratchDb(provider);
    dispose = s.dispose;
    await take({ db: s.db, url: s.url, w: await buildWorld(s.db) });
  });
  afterAll(() => dispose());
}
