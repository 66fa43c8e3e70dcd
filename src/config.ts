// Configuration, from the environment only (secrets never come from files in the repository).
// Every variable the bot reads is in this one schema; `.env.example` lists them all, and a bad
// start names every problem at once, by variable, without echoing a value (it may be a secret).
import { z } from "zod";
import { DEFAULT_DATABASE_URL } from "./db/adapters.ts";
import { isTimeZone } from "./engine/time.ts";

const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);

const Env = z.object({
  /** `file:PATH` (SQLite) or `postgres://` / `postgresql://`; anything else is refused, not guessed. */
  DATABASE_URL: z
    .string()
    .regex(/^(file:.+|postgres(ql)?:\/\/[^\s]+)$/i, "must be file:PATH or postgresql://user:pass@host:5432/db")
    .default(DEFAULT_DATABASE_URL),
  TIMEBANK_BANK_CODE: z
    .string()
    .regex(/^[a-z0-9-]{1,40}$/, "lowercase letters, digits and -")
    .default("default"),
  TIMEBANK_BANK_NAME: z.string().min(1).max(100).default("社区时间银行"),
  TIMEBANK_ROOT_LEVEL: z.string().min(1).max(40).default("district"),
  /** First admins of the root unit: "channel:id=Name,channel:id=Name". */
  TIMEBANK_ADMINS: z
    .string()
    .regex(/^\s*([a-z]+:[^=,]+=[^,]+)(\s*,\s*[a-z]+:[^=,]+=[^,]+)*\s*$/, "channel:id=Name, comma-separated")
    .default("console:admin=管理员"),
  TIMEBANK_TIME_ZONE: z
    .string()
    .refine(isTimeZone, "not an IANA time zone (e.g. Asia/Shanghai)")
    .default("Asia/Shanghai"),
  /** The one HTTP port: /healthz, /readyz, the Telegram webhook and Slack's HTTP events. 0 = any free port. */
  TIMEBANK_WEB_PORT: port(8080),
  TIMEBANK_WEB_HOST: z.string().min(1).default("0.0.0.0"),
  /**
   * The address people reach this port at (e.g. https://timebank.example.org behind a proxy): the
   * web console's sign-in links and the certificates' QR codes use it. Unset: http://127.0.0.1:PORT.
   * HTTPS makes the console's cookie Secure.
   */
  TIMEBANK_PUBLIC_URL: z
    .string()
    .regex(/^https?:\/\/[^\s/]+(\/[^\s]*)?$/, "must be an http:// or https:// address")
    .transform((u) => u.replace(/\/+$/, ""))
    .optional(),
  /**
   * This bank's Ed25519 signing key for 通存通兑 (base64 of its PKCS#8 DER). Unset: one is made at
   * the first start and kept in the database. Never logged.
   */
  TIMEBANK_BANK_KEY: z
    .string()
    .regex(/^[A-Za-z0-9+/]{40,120}={0,2}$/, "base64 of an Ed25519 PKCS#8 key")
    .optional(),
  /** How often unfinished cross-bank transfers are driven to their end (asking the peer). */
  TIMEBANK_FEDERATION_RECOVER_SECONDS: z.coerce.number().int().min(1).max(3600).default(15),
  /** Fault tests only: a protocol step at which the process kills itself (never set in production). */
  TIMEBANK_CRASH_AT: z.enum(["out-held", "in-prepared", "out-committed", "in-committed"]).optional(),
  /**
   * How many bot processes share one bot (behind a load balancer): each sends at most its share of
   * the platform's overall rate, so together they stay under it.
   */
  TIMEBANK_PROCESSES: z.coerce.number().int().min(1).max(64).default(1),
  /** Log level and format: JSON lines in production (or when not on a terminal), readable otherwise. */
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  LOG_FORMAT: z.enum(["json", "pretty"]).optional(),
  /** How long start-up waits for a database that does not answer yet (restarting, or starting beside the bot). */
  TIMEBANK_START_WAIT_SECONDS: z.coerce.number().int().min(0).max(3600).default(60),
  /** Scheduled jobs (reminders, follow-ups, expiry, reports, backups); "off" to run none in this process. */
  TIMEBANK_JOBS: z.enum(["on", "off"]).default("on"),
  TIMEBANK_REMINDER_HOURS: z
    .string()
    .regex(/^\d+(,\d+)*$/, "hours, comma-separated")
    .default("24,1"),
  TIMEBANK_FOLLOWUP_HOURS: z.coerce.number().int().min(1).max(720).default(24),
  TIMEBANK_ESCALATE_HOURS: z.coerce.number().int().min(1).max(2160).default(72),
  TIMEBANK_BACKUP_DIR: z.string().min(1).default("./data/backups"),
  TIMEBANK_BACKUP_KEEP: z.coerce.number().int().min(1).max(365).default(7),
  /** How long delivered messages, handled event ids, used codes, old buttons and job runs are kept. */
  TIMEBANK_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
  /** Console only: where documents and images sent to you are saved. */
  TIMEBANK_FILES_DIR: z.string().min(1).default("./data/files"),
  /** Turns the Telegram channel on (from @BotFather). Never logged. */
  TELEGRAM_BOT_TOKEN: z
    .string()
    .regex(/^\d+:[\w-]+$/, "not a Telegram bot token")
    .optional(),
  TELEGRAM_API_ROOT: z.string().url("not a URL").optional(),
  TELEGRAM_WEBHOOK_URL: z.string().url("not a URL").optional(),
  TELEGRAM_WEBHOOK_SECRET: z
    .string()
    .regex(/^[A-Za-z0-9_-]{8,256}$/, "8–256 letters, digits, _ or -")
    .optional(),
  /** Turns the Slack channel on (xoxb-…), with the signing secret (HTTP) or an app token (Socket Mode). */
  SLACK_BOT_TOKEN: z.string().startsWith("xoxb-", "not a Slack bot token").optional(),
  SLACK_SIGNING_SECRET: z.string().min(8, "at least 8 characters").optional(),
  SLACK_APP_TOKEN: z.string().startsWith("xapp-", "not a Slack app-level token").optional(),
  SLACK_API_URL: z.string().url("not a URL").optional(),
});

/** Every variable the bot reads (for `.env.example` and its test). */
export const ENV_KEYS = Object.keys(Env.shape);

/** The validated configuration. */
export type Config = z.infer<typeof Env> & { admins: Array<{ channel: string; externalId: string; name: string }> };

/** Every problem of a bad configuration, one line each, naming the variable (never its value). */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`configuration: ${problems.join("; ")}`);
    this.name = "ConfigError";
  }
}

/** Reads and checks the environment; a bad value stops the start with every problem named. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = Env.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== "")));
  const problems = parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
  const d = parsed.success ? parsed.data : undefined;
  if (d?.TELEGRAM_WEBHOOK_URL && !d.TELEGRAM_WEBHOOK_SECRET)
    problems.push("TELEGRAM_WEBHOOK_SECRET: required with TELEGRAM_WEBHOOK_URL (updates without it are refused)");
  if (d?.SLACK_BOT_TOKEN && !d.SLACK_APP_TOKEN && !d.SLACK_SIGNING_SECRET)
    problems.push("SLACK_SIGNING_SECRET: required with SLACK_BOT_TOKEN, or SLACK_APP_TOKEN for Socket Mode");
  if (!d || problems.length) throw new ConfigError(problems);
  const admins = d.TIMEBANK_ADMINS.split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const m = /^([a-z]+):([^=]+)=(.+)$/.exec(s) as RegExpExecArray;
      return { channel: m[1] as string, externalId: m[2] as string, name: m[3] as string };
    });
  return { ...d, admins };
}

/** The database URL with any password masked, for logs. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, "//$1:***@");
}
