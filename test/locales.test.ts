import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ERROR_CODES } from "../src/engine/errors.ts";
import { REASONS } from "../src/engine/ledger/ledger.ts";
import { POLICY_KEYS } from "../src/engine/organisation/policy.ts";

const dir = join(import.meta.dirname, "..", "locales");
const keys = (locale: string) =>
  readdirSync(join(dir, locale))
    .filter((f) => f.endsWith(".ftl"))
    .flatMap((f) => readFileSync(join(dir, locale, f), "utf8").split("\n"))
    .map((l) => /^([a-zA-Z][\w-]*)\s*=\s*\S/.exec(l)?.[1])
    .filter((k): k is string => !!k);

describe("locales", () => {
  it.each(["zh-CN", "en"])("%s has each key once, and every line is part of a message", (locale) => {
    const all = keys(locale);
    expect(all.filter((k, i) => all.indexOf(k) !== i)).toEqual([]);
    // A message's second line must be indented; an unindented one is not part of it.
    for (const f of readdirSync(join(dir, locale)).filter((n) => n.endsWith(".ftl")))
      for (const l of readFileSync(join(dir, locale, f), "utf8").split("\n"))
        if (l.trim() && !/^(#|\s|}|[a-zA-Z][\w-]*\s*=)/.test(l)) expect.fail(`${f}: ${l}`);
  });
  it("zh-CN and en have the same keys", () => {
    expect(new Set(keys("en"))).toEqual(new Set(keys("zh-CN")));
  });
  it.each(["zh-CN", "en"])("every engine error code has a message in %s", (locale) => {
    const have = new Set(keys(locale));
    expect(ERROR_CODES.filter((c) => !have.has(c))).toEqual([]);
  });
  it.each(["zh-CN", "en"])("every transfer reason and policy rule has a name in %s", (locale) => {
    const have = new Set(keys(locale));
    const wanted = [...REASONS.map((r) => `reason-${r}`), ...POLICY_KEYS.map((k) => `policy-${k.replace(".", "-")}`)];
    expect(wanted.filter((k) => !have.has(k))).toEqual([]);
  });
});
