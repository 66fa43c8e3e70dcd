// The one error type of the engine. Its code is also the locale key of the message the user sees
// (locales/<lang>/errors.ftl), so every channel can explain a refusal in the member's language.

/** Every refusal the engine can give; each has a message in every locale. */
export const ERROR_CODES = [
  "invalid-input",
  "not-found",
  "forbidden",
  "not-registered",
  "invalid-state",
  "already-taken",
  "insufficient-credits",
  "cash-out-refused",
  "not-direct-relative",
  "goods-not-allowed",
  "goods-quota-exceeded",
  "under-age",
  "training-required",
  "qualification-required",
  "own-service",
  "not-linked",
  "daily-cap-exceeded",
  "redemption-age",
  "not-priority",
  "idempotency-conflict",
  "already-reversed",
  "duplicate",
  "window-invalid",
  "too-late",
  "too-early",
  "elder-age",
  "not-verified",
  "conflict-of-interest",
  "grant-limit",
  "grant-pool-empty",
  "storage-cap",
  "already-yours",
  "unknown-bank",
  "unknown-member",
  "clearing-limit",
  "peer-unreachable",
  "peer-refused",
  "replay",
  "peer-not-linked",
  "move-cancelled",
  "elder-answers-in-chat",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** A refusal with a code and the values its message needs (e.g. the missing minutes). */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly params: Record<string, string | number> = {},
  ) {
    super(`${code}${Object.keys(params).length ? ` ${JSON.stringify(params)}` : ""}`);
    this.name = "AppError";
  }
}

/** Throws `code` unless `cond` holds; keeps guard clauses one line each. */
export function ensure(cond: unknown, code: ErrorCode, params?: Record<string, string | number>): asserts cond {
  if (!cond) throw new AppError(code, params);
}
