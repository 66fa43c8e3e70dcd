// Messages in zh-CN (first) and en, from Fluent files under locales/<lang>/. Engine error codes are
// message keys, so a refusal is explained in the member's language.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { FluentBundle, FluentNumber, FluentResource, type FluentVariable } from "@fluent/bundle";

export const LOCALES = ["zh-CN", "en"] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = "zh-CN";

const dir = fileURLToPath(new URL("../../../locales", import.meta.url));

function load(locale: Locale): FluentBundle {
  // No Unicode isolation marks: they show up as garbage in terminals and some chat clients.
  const bundle = new FluentBundle(locale, { useIsolating: false });
  for (const f of readdirSync(join(dir, locale))
    .filter((n) => n.endsWith(".ftl"))
    .sort()) {
    const errors = bundle.addResource(new FluentResource(readFileSync(join(dir, locale, f), "utf8")));
    if (errors.length) throw new Error(`locales/${locale}/${f}: ${errors[0]?.message}`);
  }
  return bundle;
}

const bundles = new Map<Locale, FluentBundle>(LOCALES.map((l) => [l, load(l)]));

/** Whether a string names one of our locales. */
export function isLocale(x: unknown): x is Locale {
  return LOCALES.includes(x as Locale);
}

/** zh* → zh-CN, anything else → en; no hint → zh-CN (the first language). */
export function localeFromHint(hint?: string | null): Locale {
  if (!hint) return DEFAULT_LOCALE;
  return hint.toLowerCase().startsWith("zh") ? "zh-CN" : "en";
}

/** The message `key` in `locale` (falling back to zh-CN), with its variables filled in. */
export function t(locale: Locale, key: string, args: Record<string, FluentVariable> = {}): string {
  for (const l of [locale, DEFAULT_LOCALE]) {
    const b = bundles.get(l);
    const msg = b?.getMessage(key);
    // Numbers without digit grouping (ids and years: not "#1,024", "1,948年"), still numbers so
    // plural selectors choose "1 elder" / "2 elders".
    const plain = Object.fromEntries(
      Object.entries(args).map(([k, v]) => [
        k,
        typeof v === "number" ? new FluentNumber(v, { useGrouping: false }) : v,
      ]),
    );
    if (b && msg?.value) return b.formatPattern(msg.value, plain);
  }
  return key;
}

/** Every message key of a locale (for the completeness test). */
export function keysOf(locale: Locale): string[] {
  const out: string[] = [];
  for (const f of readdirSync(join(dir, locale)).filter((n) => n.endsWith(".ftl"))) {
    for (const line of readFileSync(join(dir, locale, f), "utf8").split("\n")) {
      const m = /^([a-zA-Z][\w-]*)\s*=/.exec(line);
      if (m?.[1]) out.push(m[1]);
    }
  }
  return out;
}
