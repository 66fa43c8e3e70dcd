// bench:slack — a full-stack slash command (signed request → ack → router → engine → reply)
// against a bare Bolt app that only acks and replies, both through the same fake Slack in the same
// run, serial: p50 and p99 from request to reply. Prints `slack-p50-ratio: X` last.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, LogLevel } from "@slack/bolt";
import { createSlack } from "../src/channels/slack.ts";
import * as engine from "../src/engine/index.ts";
import { boot } from "../src/main.ts";
import { payloads, signedPost, startFakeSlack } from "../test/support/fake-slack.ts";
import { freePort } from "../test/support/net.ts";

const N = Number(process.env.BENCH_N ?? 300);
const SECRET = "bench-signing-secret-0123456789";
const dir = mkdtempSync(join(tmpdir(), "timebank-bench-slack-"));
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))] ?? 0;

/** Sends `n` slash commands one after another, timing each until its reply reaches the fake. */
async function serial(
  fake: Awaited<ReturnType<typeof startFakeSlack>>,
  url: string,
  n: number,
  user: (i: number) => string,
) {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const before = fake.posts.length;
    const t0 = performance.now();
    await signedPost(url, SECRET, payloads.command(user(i), "balance"), "application/x-www-form-urlencoded");
    while (fake.posts.length === before) await new Promise((r) => setImmediate(r));
    times.push(performance.now() - t0);
  }
  return times;
}

try {
  const fake = await startFakeSlack();
  // The floor: Bolt acking and replying, nothing else.
  const barePort = await freePort();
  const bare = new App({
    token: "xoxb-bench",
    signingSecret: SECRET,
    clientOptions: { slackApiUrl: fake.apiUrl },
    logLevel: LogLevel.ERROR,
  });
  bare.command("/timebank", async ({ ack, client, command }) => {
    await ack();
    await client.chat.postMessage({ channel: command.user_id, text: "ok" });
  });
  await bare.start(barePort);
  const bareUrl = `http://127.0.0.1:${barePort}/slack/events`;
  await serial(fake, bareUrl, 20, (i) => `UB${i}`);
  const floor = await serial(fake, bareUrl, N, (i) => `UB${i}`);
  await bare.stop();

  const { db, bot } = await boot({ DATABASE_URL: `file:${join(dir, "slack.db")}` });
  for (let i = 0; i < N + 20; i++) {
    await engine.registerMember(bot.ctx, {
      channel: "slack",
      externalId: `UM${i}`,
      name: `m${i}`,
      birthYear: 1990,
      role: "volunteer",
      unitId: bot.rootUnitId,
    });
  }
  const port = await freePort();
  const slack = createSlack(bot, {
    botToken: "xoxb-bench",
    signingSecret: SECRET,
    apiUrl: fake.apiUrl,
    port,
    limits: { perSecond: 1e6, perChatMs: 0, perGroupPerMinute: 1e6 },
  });
  await slack.start();
  const url = `http://127.0.0.1:${port}/slack/events`;
  await serial(fake, url, 20, (i) => `UM${i}`);
  const full = await serial(fake, url, N, (i) => `UM${i + 20}`);
  await slack.stop();
  await db.close();
  await fake.close();

  console.log(`commands: ${N} serial "/timebank balance" (full stack on SQLite) vs a bare Bolt app, same fake`);
  console.log(`bare-p50-ms: ${pct(floor, 0.5).toFixed(2)}  bare-p99-ms: ${pct(floor, 0.99).toFixed(2)}`);
  console.log(`full-p50-ms: ${pct(full, 0.5).toFixed(2)}  full-p99-ms: ${pct(full, 0.99).toFixed(2)}`);
  console.log(`slack-p50-ratio: ${(pct(full, 0.5) / pct(floor, 0.5)).toFixed(2)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
