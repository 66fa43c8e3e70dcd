// Configuration, from the environment only (secrets never come from files in the repository).
import { z } from "zod";
import { DEFAULT_DATABASE_URL } from "./db/adapters.ts";
import { isTimeZone } from "./engine/time.ts";

const Env = z.object({
  DATABASE_URL: z.string().min(1).default(DEFAULT_DATABASE_URL),
  TIMEBANK_BANK_CODE: z
    .string()
    .regex(/^[a-z0-9-]{1,40}$/)
    .default("default"),
  TIMEBANK_BANK_NAME: z.string().min(1).max(100).default("社区时间银行"),
  TIMEBANK_ROOT_LEVEL: z.string().min(1).max(40).default("district"),
  /** First admins of the root unit: "channel:id=Name,channel:id=Name". */
  TIMEBANK_ADMINS: z.string().default("console:admin=管理员"),
  /** Turns the Telegram channel on (from @BotFather). Never logged. */
  TELEGRAM_BOT_TOKEN: z
    .string()
    .regex(/^\d+:[\w-]+$/, "not a Telegram bot token")
    .optional(),
  TELEGRAM_API_ROOT: z.string().url().optional(),
  TELEGRAM_WEBHOOK_URL: z.string().url().optional(),
  TELEGRAM_WEBHOOK_SECRET: z
    .string()
    .regex(/^[A-Za-z0-9_-]{8,256}$/, "8–256 letters, digits, _ or -")
    .optional(),
  TELEGRAM_WEBHOOK_PORT: z.coerce.number().int().min(1).max(65535).default(8080),
  TELEGRAM_WEBHOOK_HOST: z.string().default("0.0.0.0"),
  /** Scheduled jobs (reminders, follow-ups, expiry, reports, backups); "off" to run none in this process. */
  TIMEBANK_JOBS: z.enum(["on", "off"]).default("on"),
  TIMEBANK_TIME_ZONE: z
    .string()
    .refine(isTimeZone, "not an IANA time zone (e.g. Asia/Shanghai)")
    .default("Asia/Shanghai"),
  TIMEBANK_REMINDER_HOURS: z
    .string()
    .regex(/^\d+(,\d+)*$/)
    .default("24,1"),
  TIMEBANK_FOLLOWUP_HOURS: z.coerce.number().int().min(1).max(720).default(24),
  TIMEBANK_ESCALATE_HOURS: z.coerce.number().int().min(1).max(2160).default(72),
  TIMEBANK_BACKUP_DIR: z.string().default("./data/backups"),
  TIMEBANK_BACKUP_KEEP: z.coerce.number().int().min(1).max(365).default(7),
  /** Turns the Slack channel on (xoxb-…), with the signing secret (HTTP) or an app token (Socket Mode). */
  SLACK_BOT_TOKEN: z.string().startsWith("xoxb-", "not a Slack bot token").optional(),
  SLACK_SIGNING_SECRET: z.string().min(8).optional(),
  SLACK_APP_TOKEN: z.string().startsWith("xapp-", "not a Slack app-level token").optional(),
  SLACK_API_URL: z.string().url().optional(),
  SLACK_PORT: z.coerce.number().int().min(1).max(65535).default(3000),
});

/** The validated configuration. */
export type Config = z.infer<typeof Env> & { admins: Array<{ channel: string; externalId: string; name: string }> };

/** Reads and checks the environment; a bad value stops the start with a clear message. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = Env.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== "")));
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new Error(`configuration: ${i?.path.join(".")}: ${i?.message}`);
  }
  const admins = parsed.data.TIMEBANK_ADMINS.split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const m = /^([a-z]+):([^=]+)=(.+)$/.exec(s);
      if (!m) throw new Error(`configuration: TIMEBANK_ADMINS: "${s}" is not channel:id=Name`);
      return { channel: m[1] as string, externalId: m[2] as string, name: m[3] as string };
    });
  if (parsed.data.TELEGRAM_WEBHOOK_URL && !parsed.data.TELEGRAM_WEBHOOK_SECRET) {
    throw new Error(
      "configuration: TELEGRAM_WEBHOOK_URL needs TELEGRAM_WEBHOOK_SECRET (updates without it are refused)",
    );
  }
  if (parsed.data.SLACK_BOT_TOKEN && !parsed.data.SLACK_APP_TOKEN && !parsed.data.SLACK_SIGNING_SECRET) {
    throw new Error(
      "configuration: SLACK_BOT_TOKEN needs SLACK_SIGNING_SECRET (HTTP mode) or SLACK_APP_TOKEN (Socket Mode)",
    );
  }
  return { ...parsed.data, admins };
}

/** The database URL with any password masked, for logs. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, "//$1:***@");
}
