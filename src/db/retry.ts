// When a failed database call may simply be made again: the transient errors of both drivers (a
// restart, a dropped connection, a busy SQLite file, a write conflict), by code, and the retry
// loop every transaction runs in.

/** Codes after which re-running the whole transaction is safe (every operation is idempotent by
 *  its key, so one that committed before the connection dropped is found, not repeated). */
const TRANSIENT = new Set([
  // Prisma: cannot reach / timed out (a busy SQLite file) / connection closed / write conflict.
  "P1001",
  "P1002",
  "P1008",
  "P1017",
  "P2034",
  // PostgreSQL SQLSTATE: serialization failure, deadlock, shutting down or starting up, connection lost.
  "40001",
  "40P01",
  "57P01",
  "57P02",
  "57P03",
  "08000",
  "08001",
  "08003",
  "08004",
  "08006",
  "53300",
  // Sockets, and SQLite's busy and locked results.
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "SQLITE_BUSY",
  "SQLITE_BUSY_SNAPSHOT",
  "SQLITE_LOCKED",
  // Prisma driver-adapter error kinds.
  "DatabaseNotReachable",
  "ConnectionClosed",
  "SocketTimeout",
  "TransactionWriteConflict",
]);

/** Whether an error (or what caused it) carries a transient code; by code, not by message. */
export function isRetryable(e: unknown, depth = 0): boolean {
  if (!e || typeof e !== "object" || depth > 4) return false;
  const err = e as { code?: unknown; kind?: unknown; originalCode?: unknown; meta?: unknown; cause?: unknown };
  for (const c of [err.code, err.kind, err.originalCode, (err.meta as { code?: unknown } | undefined)?.code])
    if (typeof c === "string" && TRANSIENT.has(c)) return true;
  // node-postgres reports a connection the server dropped with no code at all: its one message.
  if (e instanceof Error && e.message === "Connection terminated unexpectedly") return true;
  const adapter = (err.meta as { driverAdapterError?: unknown } | undefined)?.driverAdapterError;
  return isRetryable(err.cause, depth + 1) || isRetryable(adapter, depth + 1);
}

/** Waits before attempt `n` (1-based): jittered, doubling, at most 2 s; about 8 s in all. */
const backoff = (n: number) =>
  new Promise((r) => setTimeout(r, Math.min(2000, 25 * 2 ** n) * (0.5 + Math.random() / 2)));
const RETRIES = 9;

/** Runs `fn` again while it fails transiently (a database restart, a busy file, a conflict). */
export async function retrying<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (attempt >= RETRIES || !isRetryable(e)) throw e;
      await backoff(attempt);
    }
  }
}
