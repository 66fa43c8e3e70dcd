// Configuration: every variable in one schema, every problem named at once, never a value echoed;
// a mistyped database URL is refused rather than starting a new empty bank somewhere.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { ConfigError, ENV_KEYS, loadConfig } from "../src/config.ts";

const run = promisify(execFile);

describe("configuration", () => {
  it("names every problem at once, by variable, without echoing secrets", () => {
    let err: ConfigError | undefined;
    try {
      loadConfig({
        DATABASE_URL: "postgress://bank:hunter2@db/timebank",
        TELEGRAM_BOT_TOKEN: "not-a-token",
        TIMEBANK_WEB_PORT: "99999",
        TIMEBANK_TIME_ZONE: "Mars/Base",
        SLACK_BOT_TOKEN: "xoxb-1",
      });
    } catch (e) {
      err = e as ConfigError;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const names = err?.problems.map((p) => p.split(":")[0]).sort();
    expect(names).toEqual(["DATABASE_URL", "TELEGRAM_BOT_TOKEN", "TIMEBANK_TIME_ZONE", "TIMEBANK_WEB_PORT"]);
    expect(err?.message).not.toContain("hunter2");
    expect(err?.message).not.toContain("not-a-token");
  });

  it("lists every variable in .env.example, and the example is a valid configuration", () => {
    const text = readFileSync(new URL("../.env.example", import.meta.url), "utf8");
    const listed = [...text.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]);
    expect([...new Set(listed)].sort()).toEqual([...ENV_KEYS].sort());
    const env = Object.fromEntries([...text.matchAll(/^([A-Z][A-Z0-9_]+)=(.*)$/gm)].map((m) => [m[1], m[2]]));
    expect(loadConfig(env).TIMEBANK_WEB_PORT).toBe(8080);
  });

  it("accepts exactly file: and postgres(ql):// database URLs", () => {
    for (const bad of ["mysql://x/y", "timebank", "postgress://a@b/c", "./data/x.db"])
      expect(() => loadConfig({ DATABASE_URL: bad }), bad).toThrow(/DATABASE_URL/);
    for (const good of ["file:./data/x.db", "postgres://a@b/c", "postgresql://u:p@h:5432/d"])
      expect(loadConfig({ DATABASE_URL: good }).DATABASE_URL).toBe(good);
    expect(() => loadConfig({ SLACK_BOT_TOKEN: "xoxb-1" })).toThrow(/SLACK_SIGNING_SECRET/);
  });

  it("a start that cannot go on prints one line, without a stack or a password", async () => {
    const env = { ...process.env, DATABASE_URL: "postgress://bank:hunter2@db/timebank", TIMEBANK_WEB_PORT: "0" };
    const out = await run(process.execPath, ["--import", "tsx", "src/main.ts"], { env, cwd: process.cwd() }).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect((out as { code: number }).code).toBe(1);
    const lines = (out as { stderr: string }).stderr.trim().split("\n");
    expect(lines[0]).toMatch(/^timebank: cannot start: DATABASE_URL: must be file:PATH or postgresql:/);
    expect(lines.join("\n")).not.toMatch(/hunter2|at .*\.ts:\d+/);
    expect(lines).toHaveLength(1);
    // An unwritable place for the SQLite file: one line too.
    const ro = await run(process.execPath, ["--import", "tsx", "src/main.ts"], {
      env: { ...process.env, DATABASE_URL: "file:/etc/hostname/sub/x.db", TIMEBANK_WEB_PORT: "0" },
      cwd: process.cwd(),
    }).catch((e: { code: number; stderr: string }) => e);
    expect((ro as { code: number }).code).toBe(1);
    expect((ro as { stderr: string }).stderr.trim().split("\n")).toEqual([
      "timebank: cannot start: the SQLite database /etc/hostname/sub/x.db cannot be written (ENOTDIR): check the path and its permissions",
    ]);
  });
});
