// bench:dialog — one full-stack console event (parse, member lookup, dialog store, engine, Fluent
// reply, outbox delivery) against the engine call alone, on the same SQLite database in the same
// run. Prints p50 for both and `dialog-overhead-ratio: X` (full stack ÷ engine) last.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createConsole } from "../src/channels/console.ts";
import * as engine from "../src/engine/index.ts";
import { boot } from "../src/main.ts";

const N = Number(process.env.BENCH_N ?? 500);
const dir = mkdtempSync(join(tmpdir(), "timebank-bench-dialog-"));

const p50 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

try {
  const { db, bot } = await boot({ DATABASE_URL: `file:${join(dir, "bench.db")}` });
  const member = await engine.registerMember(bot.ctx, {
    channel: "console",
    externalId: "v",
    name: "v",
    birthYear: 1990,
    role: "volunteer",
    unitId: bot.rootUnitId,
  });
  const con = createConsole(bot, () => {});
  const stack: number[] = [];
  const alone: number[] = [];
  for (let i = 0; i < N; i++) {
    let t0 = performance.now();
    await con.line("@v: /balance");
    stack.push(performance.now() - t0);
    t0 = performance.now();
    await engine.balance(bot.ctx, { memberId: member.id });
    alone.push(performance.now() - t0);
  }
  await db.close();
  console.log(`events: ${N} (/balance through the console channel, SQLite)`);
  console.log(`full-stack-p50-ms: ${p50(stack).toFixed(3)}`);
  console.log(`engine-call-p50-ms: ${p50(alone).toFixed(3)}`);
  console.log(`dialog-overhead-ratio: ${(p50(stack) / p50(alone)).toFixed(2)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
