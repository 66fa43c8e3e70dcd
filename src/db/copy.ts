// Moves a bank's whole database from the SQLite file to PostgreSQL (or between any two of our
// databases) through the two Prisma clients, keeping every id, then checks nothing was lost.
import { type Client, type Db, openDb } from "./client.ts";

/** Tables in an order where every row's foreign keys point at rows already copied. */
const TABLES = [
  "bank",
  "unit",
  "member",
  "identity",
  "role",
  "roleOffer",
  "qualification",
  "familyLink",
  "category",
  "policy",
  "account",
  "peer",
  "need",
  "transfer",
  "crossTransfer",
  "remoteRelative",
  "peerStatement",
  "operation",
  "auditLog",
  // What the bot keeps besides the bank's records: groups bound to units, certificates others
  // verify, messages not yet delivered and their buttons, group posts it edits later, one-time
  // codes, open dialogs, and which job runs are done (so none runs twice for one due time).
  "groupBinding",
  "certificate",
  "outbox",
  "action",
  "postedMessage",
  "linkCode",
  "dialog",
  "jobRun",
] as const;

/** The column each table is paged by (unique): its id, or its own key where it has no id. */
const KEYS: Partial<Record<(typeof TABLES)[number], string>> = {
  operation: "key",
  certificate: "code",
  action: "token",
  linkCode: "code",
};

const SQL_NAMES: Record<(typeof TABLES)[number], string> = {
  bank: "bank",
  unit: "unit",
  member: "member",
  identity: "identity",
  role: "role",
  roleOffer: "role_offer",
  qualification: "qualification",
  familyLink: "family_link",
  category: "category",
  policy: "policy",
  account: "account",
  peer: "peer",
  need: "need",
  transfer: "transfer",
  crossTransfer: "cross_transfer",
  remoteRelative: "remote_relative",
  peerStatement: "peer_statement",
  operation: "operation",
  auditLog: "audit_log",
  groupBinding: "group_binding",
  certificate: "certificate",
  outbox: "outbox",
  action: "action",
  postedMessage: "posted_message",
  linkCode: "link_code",
  dialog: "dialog",
  jobRun: "job_run",
};

type Delegate = {
  findMany(args: object): Promise<Array<Record<string, unknown>>>;
  createMany(args: { data: Array<Record<string, unknown>> }): Promise<unknown>;
  count(): Promise<number>;
};
const delegate = (c: Client, t: (typeof TABLES)[number]) => c[t] as unknown as Delegate;

/** Copies every row from `fromUrl` into the empty database at `toUrl` (migrated first). */
export async function copyDatabase(
  fromUrl: string,
  toUrl: string,
  log: (line: string) => void = () => {},
): Promise<Record<string, number>> {
  const from = await openDb(fromUrl);
  const to = await openDb(toUrl);
  try {
    if ((await to.read((c) => c.bank.count())) > 0)
      throw new Error("the target database already has data; copy into an empty one");
    const counts: Record<string, number> = {};
    for (const t of TABLES) {
      const key = KEYS[t] ?? "id";
      let cursor: unknown;
      let n = 0;
      for (;;) {
        const rows = await from.read((c) =>
          delegate(c, t).findMany({
            take: 1000,
            orderBy: { [key]: "asc" },
            ...(cursor === undefined ? {} : { skip: 1, cursor: { [key]: cursor } }),
          }),
        );
        if (!rows.length) break;
        await to.tx((tx) => delegate(tx as unknown as Client, t).createMany({ data: rows }));
        n += rows.length;
        cursor = rows.at(-1)?.[key];
      }
      counts[t] = n;
      log(`${SQL_NAMES[t]}: ${n}`);
    }
    if (to.provider === "postgres") await resetSequences(to);
    await verify(from, to);
    return counts;
  } finally {
    await from.close();
    await to.close();
  }
}

/** Moves each serial id past the copied ids, so new rows do not collide. */
async function resetSequences(db: Db) {
  for (const t of TABLES) {
    if (KEYS[t]) continue;
    const name = SQL_NAMES[t];
    await db.read((c) =>
      c.$executeRawUnsafe(
        `SELECT setval(pg_get_serial_sequence('${name}', 'id'), COALESCE((SELECT MAX(id) FROM ${name}), 1), (SELECT MAX(id) FROM ${name}) IS NOT NULL)`,
      ),
    );
  }
}

/** Same row counts, and the same balance on every account. */
async function verify(from: Db, to: Db) {
  for (const t of TABLES) {
    const [a, b] = [await from.read((c) => delegate(c, t).count()), await to.read((c) => delegate(c, t).count())];
    if (a !== b) throw new Error(`copy check: ${SQL_NAMES[t]} has ${a} rows in the source and ${b} in the target`);
  }
  const balances = (db: Db) =>
    db.read(async (c) =>
      (await c.account.findMany({ orderBy: { id: "asc" } }))
        .map((x) => [x.id, x.creditsPosted - x.debitsPosted, x.debitsPending].join(":"))
        .join(","),
    );
  if ((await balances(from)) !== (await balances(to)))
    throw new Error("copy check: balances differ between source and target");
}
