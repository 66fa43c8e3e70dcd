// Start-up: configuration, database (migrations applied), the bank and its first admins.
import { loadConfig, redactUrl } from "./config.ts";
import { openDb } from "./db/client.ts";
import * as engine from "./engine/index.ts";

/** Opens everything the channels need; returns the engine context. */
export async function boot(env = process.env) {
  const config = loadConfig(env);
  const db = await openDb(config.DATABASE_URL);
  const ctx = engine.createCtx(db);
  const bank = await engine.ensureBank(ctx, {
    code: config.TIMEBANK_BANK_CODE,
    name: config.TIMEBANK_BANK_NAME,
    level: config.TIMEBANK_ROOT_LEVEL,
  });
  for (const a of config.admins) {
    const member =
      (await engine.findByIdentity(ctx, a.channel, a.externalId)) ??
      (await engine.registerMember(ctx, { channel: a.channel, externalId: a.externalId, name: a.name }));
    await engine.bootstrapAdmin(ctx, member.id, bank.rootUnitId);
  }
  return { config, db, ctx, bank };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { config, db, bank } = await boot();
  console.log(`timebank: database ready (${db.provider}, ${redactUrl(config.DATABASE_URL)})`);
  console.log(
    `timebank: bank "${config.TIMEBANK_BANK_CODE}" root unit ${bank.rootUnitId}, ${config.admins.length} configured admin(s)`,
  );
  console.log("timebank: no chat channel is built yet (the console channel comes next); the credit engine is ready.");
  await db.close();
}
