// 通存通兑 demo: two time banks, each with its own SQLite file and its own HTTP port on 127.0.0.1,
// clear credits between each other over the signed protocol. Everything is typed into each bank's
// console channel, as people would in chat; what each person sees is printed.
//
//   npx tsx examples/two-banks.ts
//
// The Shenzhen bank's root admin and the Beijing bank's root admin add each other (/bank add with
// the other's code, address and public key), the mother in Beijing confirms her son in Shenzhen as
// a relative (/relative), the son sends her two hours (/send), and both banks show their positions.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createBot } from "../src/bot/app.ts";
import { createConsole } from "../src/channels/console.ts";
import { openDb } from "../src/db/client.ts";
import * as engine from "../src/engine/index.ts";
import { createFederation } from "../src/federation/clearing.ts";
import { federationHandler } from "../src/federation/server.ts";
import { createLogger, setLogger } from "../src/log.ts";
import { createWeb } from "../src/web.ts";

setLogger(createLogger({ level: "warn", format: "pretty" }));
const dir = mkdtempSync(join(tmpdir(), "timebank-two-banks-"));

/** One bank: its database, web port (serving the protocol), federation and console. */
async function bank(code: string, name: string) {
  const db = await openDb(`file:${join(dir, `${code}.db`)}`);
  const b = await engine.ensureBank(engine.createCtx(db), { code, name, level: "city" });
  const bot = createBot(db, b);
  const me = await engine.bankIdentity(bot.ctx, b.bankId);
  const web = createWeb({ port: 0, host: "127.0.0.1" });
  web.mount("/federation/", federationHandler(bot.ctx, me));
  const url = `http://127.0.0.1:${await web.start()}`;
  bot.federation = createFederation(bot.ctx, me);
  const admin = await engine.registerMember(bot.ctx, { channel: "console", externalId: "admin", name: "管理员" });
  await engine.bootstrapAdmin(bot.ctx, admin.id, b.rootUnitId);
  const con = createConsole(bot, (l) => console.log(`  [${code}] ${l}`));
  const say = async (line: string) => {
    console.log(`[${code}] > ${line}`);
    await con.line(line);
    await bot.federation?.idle();
  };
  const member = async (id: string, who: string, role: "volunteer" | "elder") =>
    (
      await engine.registerMember(bot.ctx, {
        channel: "console",
        externalId: id,
        name: who,
        birthYear: role === "elder" ? 1948 : 1978,
        role,
        unitId: b.rootUnitId,
      })
    ).id;
  return { code, db, web, url, me, bot, say, member, ...b };
}

const sz = await bank("sz", "深圳福田时间银行");
const bj = await bank("bj", "北京朝阳时间银行");
try {
  // The son volunteered in Shenzhen and has five hours; his mother lives in Beijing.
  const son = await sz.member("son", "王小明", "volunteer");
  const mother = await bj.member("mother", "王秀英", "elder");
  await sz.db.tx(async (tx) => {
    const { postTransfer, systemAccountId, memberAccountId } = await import("../src/engine/ledger/ledger.ts");
    await postTransfer(
      tx,
      await systemAccountId(tx, sz.bankId, "issuance"),
      await memberAccountId(tx, sz.bankId, son),
      300,
      {
        bankId: sz.bankId,
        at: new Date(),
        key: "demo-service-hours",
        reason: "certify",
        policyVersion: 0,
      },
    );
  });

  console.log("\n— The root admins exchange codes, addresses and keys, and add each other —");
  await sz.say("@admin: /banks");
  await sz.say(`@admin: /bank add bj ${bj.url} ${bj.me.publicKey} 6000 6000`);
  await bj.say(`@admin: /bank add sz ${sz.url} ${sz.me.publicKey} 6000 6000`);

  console.log("\n— The mother confirms her son; he sends her two hours —");
  await sz.say("@son: /address");
  await bj.say(`@mother: /relative sz:${son} child`);
  await sz.say(`@son: /send bj:${mother} 120`);
  await sz.say("@son: /balance");
  await bj.say("@mother: /balance");

  console.log("\n— Both banks' positions mirror each other, and their statements match —");
  await sz.bot.federation?.reconcile();
  await sz.say("@admin: /banks");
  await bj.say("@admin: /banks");
} finally {
  for (const b of [sz, bj]) {
    await b.web.stop();
    await b.db.close();
  }
  rmSync(dir, { recursive: true, force: true });
}
