// The shapes every engine input is checked against at the edge: ids that fit the database's
// 32-bit keys, names cleaned of invisible characters, text without NUL bytes or lone surrogates
// (PostgreSQL refuses the first, and two different names would collide on the second).
import { z } from "zod";

/** The largest id a database key holds (PostgreSQL INTEGER). */
export const MAX_ID = 2_147_483_647;

/** A row id. */
export const id = z.number().int().positive().max(MAX_ID);

/** Control and format characters (bidi overrides, zero-width joiners…) that render as nothing. */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;

/** NFKC (full-width letters and digits become plain), invisible characters removed, spaces folded. */
export function normalizeName(s: string): string {
  return s.normalize("NFKC").replace(INVISIBLE, "").replace(/\s+/g, " ").trim();
}

/** A person's, unit's or category's name: normalized, and something visible must remain. */
export const name = (max: number) => z.string().transform(normalizeName).pipe(z.string().min(1).max(max));

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Whether any string in a value has a NUL byte or is not well-formed UTF-16 (a lone surrogate). */
export function hasBadText(v: unknown, depth = 0): boolean {
  if (typeof v === "string") return v.includes("\u0000") || LONE_SURROGATE.test(v);
  if (depth > 8 || v === null || typeof v !== "object" || v instanceof Date) return false;
  return Object.values(v).some((x) => hasBadText(x, depth + 1));
}

/**
 * A count typed by a person (minutes, days, an id): plain decimal digits only — full-width digits
 * are fine, "0x10", "1e3", "3abc", "-5" and "1.5" are not — within [min, max]. Null when it is not.
 */
export function parseCount(raw: string | undefined, min: number, max: number): number | null {
  const s = (raw ?? "").normalize("NFKC").trim().replace(/^#/, "");
  if (!/^\d{1,15}$/.test(s)) return null;
  const n = Number(s);
  return n >= min && n <= max ? n : null;
}
