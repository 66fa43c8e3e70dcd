// Starts a throwaway PostgreSQL server in a temporary directory, on 127.0.0.1 only, for the tests
// and for `npm run db:check`. As root it runs the server as the unprivileged `postgres` user.
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A running temporary server: its admin URL and a stop function that deletes everything. */
export interface TempPostgres {
  url: string;
  stop(): void;
  /** Stops the server (immediately, as a crash would) and starts it again on the same port. */
  restart(downMs?: number): Promise<void>;
  /** Stops it, keeping its data, so `start` can bring it back (a database outage). */
  halt(): void;
  start(): void;
}

function findBin(name: string): string {
  const onPath = spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).stdout.trim();
  if (onPath) return onPath;
  const base = "/usr/lib/postgresql";
  if (existsSync(base)) {
    for (const v of readdirSync(base).sort().reverse()) {
      const p = join(base, v, "bin", name);
      if (existsSync(p)) return p;
    }
  }
  throw new Error(`${name} not found: install PostgreSQL (apt-get install postgresql) or set TEST_POSTGRES_URL`);
}

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once("error", rej);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === "object" && addr ? res(addr.port) : rej(new Error("no port"))));
    });
  });
}

/**
 * initdb + pg_ctl start in a fresh temporary directory; the caller must call stop(). Tests run it
 * with fsync off (speed); benchmarks ask for fsync on, as a real server runs.
 */
export async function startTempPostgres(opts: { fsync?: boolean } = {}): Promise<TempPostgres> {
  const initdb = findBin("initdb");
  const pgCtl = findBin("pg_ctl");
  const dir = mkdtempSync(join(tmpdir(), "timebank-pg-"));
  const data = join(dir, "data");
  const asRoot = process.getuid?.() === 0;
  const run = (cmd: string, args: string[]) =>
    asRoot
      ? execFileSync("runuser", ["-u", "postgres", "--", cmd, ...args], { stdio: "pipe" })
      : execFileSync(cmd, args, { stdio: "pipe" });
  if (asRoot) {
    const id = (flag: string) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
    chownSync(dir, id("-u"), id("-g"));
    chmodSync(dir, 0o700);
  }
  run(initdb, ["-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-locale"]);
  const port = await freePort();
  const serverOpts = `-h 127.0.0.1 -p ${port} -k ${dir} -c fsync=${opts.fsync ? "on" : "off"} -c max_connections=200`;
  run(pgCtl, ["-D", data, "-o", serverOpts, "-l", join(dir, "log"), "-w", "start"]);
  let stopped = false;
  const halt = () => run(pgCtl, ["-D", data, "-m", "immediate", "-w", "stop"]);
  const start = () => run(pgCtl, ["-D", data, "-o", serverOpts, "-l", join(dir, "log"), "-w", "start"]);
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    halt,
    start,
    async restart(downMs = 0) {
      halt();
      await new Promise((r) => setTimeout(r, downMs));
      start();
    },
    stop() {
      if (stopped) return;
      stopped = true;
      try {
        run(pgCtl, ["-D", data, "-m", "immediate", "-w", "stop"]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
