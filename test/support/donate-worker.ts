// Child process for the several-writers test: `count` donations of one minute by `member`, each
// its own operation; prints "ok" for every one acknowledged and "fail <code>" for every refusal.
import { openDb } from "../../src/db/client.ts";
import * as engine from "../../src/engine/index.ts";

const [url, member, count, tag] = process.argv.slice(2);
const db = await openDb(url);
const ctx = engine.createCtx(db);
for (let i = 0; i < Number(count); i++) {
  try {
    await engine.donate(ctx, { actorId: Number(member), minutes: 1, key: `${tag}-${i}` });
    process.stdout.write("ok\n");
  } catch (e) {
    process.stdout.write(`fail ${(e as { code?: string }).code ?? (e as Error).message}\n`);
  }
}
await db.close();
