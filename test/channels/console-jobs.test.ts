// "!wait" in the console runs the jobs that fell due, so expiry, reminders and follow-ups can be
// shown and tested through the console; a new bank never gets reports from before it existed.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createConsole } from "../../src/channels/console.ts";
import type { Db } from "../../src/db/client.ts";
import { boot, makeScheduler } from "../../src/main.ts";
import { PROVIDERS, scratchUrl } from "../support/db.ts";

const START = new Date("2026-06-01T02:00:00Z"); // Monday 10:00 in Beijing, after the 09:00 reports

const SCRIPT = [
  "@admin: /unit add 香蜜湖社区 community",
  "@admin: /elder 王大爷 1938 13700000000 二号楼",
  "@admin: /need 2",
  "1",
  "陪王大爷聊天",
  "1",
  "2",
  "1",
  "1",
  "1",
  "@admin: /review",
  "1",
  "!wait 2d",
];

describe.each(PROVIDERS)("console jobs on %s", (provider) => {
  const out: string[] = [];
  let db: Db | undefined;
  let drop = async () => {};
  beforeAll(async () => {
    const s = await scratchUrl(provider);
    drop = s.drop;
    const b = await boot({ DATABASE_URL: s.url, TIMEBANK_BACKUP_DIR: `${s.url.replace(/^file:/, "")}-backups` }, START);
    db = b.db;
    const con = createConsole(b.bot, (l) => out.push(l), b.clock, makeScheduler(b.config, b.bot));
    for (const line of SCRIPT) {
      out.push(`> ${line}`);
      await con.line(line);
    }
  });
  afterAll(async () => {
    await db?.close();
    await drop();
  });

  it("expires the need nobody took when time passes, and tells the requester", () => {
    const text = out.join("\n");
    expect(text).toContain("已通过需求 #1");
    const after = text.slice(text.indexOf("> !wait 2d"));
    expect(after).toMatch(/expire/);
    expect(after).toContain("需求 #1 到期没有人接，已关闭。");
  });

  it("sends no report of a month, nor a commendation of a year, from before the bank existed", async () => {
    const runs = (await db?.read((c) => c.jobRun.findMany())) ?? [];
    expect(runs.map((r) => r.job)).not.toContain("monthly-report");
    expect(runs.map((r) => r.job)).not.toContain("commendation");
    expect(runs.every((r) => r.dueAt >= START)).toBe(true);
    expect(out.join("\n")).not.toContain("上月");
  });
});
