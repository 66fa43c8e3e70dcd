// The one HTTP port: /healthz while the process is up, /readyz while the database answers (503
// otherwise, so a load balancer stops sending), and a running bot that stops cleanly on SIGTERM.
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readiness } from "../src/main.ts";
import { createWeb } from "../src/web.ts";
import { PROVIDERS, scratchDb } from "./support/db.ts";
import { freePort } from "./support/net.ts";

const get = async (port: number, path: string) => {
  const r = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
};

describe.each(PROVIDERS)("the web port on %s", (provider) => {
  it("answers /healthz, /readyz from the database, 503 when it does not answer, 404 elsewhere", async () => {
    const s = await scratchDb(provider);
    let down = false;
    const web = createWeb({
      port: 0,
      host: "127.0.0.1",
      ready: () => (down ? Promise.reject(new Error("connection refused")) : readiness(s.db, () => new Date())),
    });
    const port = await web.start();
    try {
      expect(await get(port, "/healthz")).toEqual({ status: 200, body: { ok: true } });
      const ready = await get(port, "/readyz");
      expect(ready).toMatchObject({ status: 200, body: { ok: true, database: provider, outboxBacklogSeconds: 0 } });
      down = true;
      expect(await get(port, "/readyz")).toMatchObject({ status: 503, body: { ok: false } });
      expect((await get(port, "/nothing")).status).toBe(404);
    } finally {
      await web.stop();
      await s.dispose();
    }
  });
});

describe("a running bot", () => {
  it("serves /healthz in console mode and stops on SIGTERM within the deadline", async () => {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), "tb-run-"));
    const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
      env: {
        ...process.env,
        DATABASE_URL: `file:${join(dir, "t.db")}`,
        TIMEBANK_WEB_PORT: String(port),
        TIMEBANK_JOBS: "off",
      },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d) => {
      stderr += String(d);
    });
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    try {
      for (let i = 0; i < 100; i++) {
        const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
          (r) => r.ok,
          () => false,
        );
        if (ok) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      expect((await get(port, "/healthz")).status).toBe(200);
      const t0 = Date.now();
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
      expect(Date.now() - t0).toBeLessThan(15_000);
      // Logs are JSON lines off a terminal, and say why it stopped.
      const lines = stderr
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as { msg: string; signal?: string });
      expect(lines.find((l) => l.msg === "stopping")?.signal).toBe("SIGTERM");
    } finally {
      child.kill("SIGKILL");
    }
  });
});
