// Child process for the crash test: certifies the given needs one after another and prints
// "ok <needId>" after each one the engine acknowledged. The parent kills it with SIGKILL mid-stream.
import { openDb } from "../../src/db/client.ts";
import * as engine from "../../src/engine/index.ts";

const [url, admin, ...needs] = process.argv.slice(2);
const db = await openDb(url);
const ctx = engine.createCtx(db);
for (const id of needs) {
  await engine.certifyNeed(ctx, { actorId: Number(admin), needId: Number(id), key: `crash-certify-${id}` });
  process.stdout.write(`ok ${id}\n`);
}
await db.close();
