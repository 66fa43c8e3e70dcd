// Commands that answer with a document or an image: the service-record certificate and its
// verification, the statistics chart, and the admins' export of service records.
import { issueCertificate, verifyCertificate } from "../../reports/certificate.ts";
import { drawChart, monthlySeries } from "../../reports/chart.ts";
import { serviceRows, toCsv, toXlsx } from "../../reports/export.ts";
import { parsePeriod } from "../../reports/period.ts";
import { type Step, say, type Turn, tr } from "../routing/turn.ts";
import { duration } from "../text/format.ts";
import { adminUnit } from "./admin.ts";

type Command = (turn: Turn, arg: string) => Promise<Step>;
const me = (turn: Turn) => turn.member?.id ?? 0;

/** Document commands by name. */
export const DOCUMENT_COMMANDS: Record<string, Command> = {
  /** /certificate [period] [member id]: your own, or (admins) a member's. */
  async certificate(turn, arg) {
    const [first = "", second = ""] = arg.split(/\s+/);
    const idFirst = /^#?\d{1,7}$/.test(first) && !/^\d{4}$/.test(first);
    const periodText = idFirst ? "" : first;
    const memberId = Number((idFirst ? first : second).replace("#", "")) || me(turn);
    const period = parsePeriod(periodText, turn.bot.ctx.now());
    if (!period) return { replies: [await say(turn, "bad-period")] };
    const { data, pdf } = await issueCertificate(
      turn.bot.ctx,
      { actorId: me(turn), memberId, period },
      turn.bot.publicUrl,
    );
    const caption = tr(turn, "certificate-caption", {
      code: data.code,
      hours: duration(turn.locale, data.totalMinutes),
    });
    return {
      replies: [
        {
          text: caption,
          attachment: { kind: "document", name: `certificate-${data.code}.pdf`, mime: "application/pdf", bytes: pdf },
        },
      ],
    };
  },
  /** /verify CODE: anyone may check a certificate. */
  async verify(turn, arg) {
    const c = await verifyCertificate(turn.bot.ctx, arg);
    if (!c) return { replies: [await say(turn, "verify-unknown")] };
    const detail =
      c.categories
        .map((k) => `${turn.locale === "zh-CN" ? k.nameZh : k.nameEn} ${duration(turn.locale, k.minutes)}`)
        .join("、") || "-";
    return {
      replies: [
        await say(turn, "verify-ok", {
          code: c.code,
          member: c.member,
          unit: c.unit,
          period: c.label || `${c.from.slice(0, 10)} – ${c.to.slice(0, 10)}`,
          hours: duration(turn.locale, c.totalMinutes),
          detail,
          issued: c.issuedAt.slice(0, 10),
        }),
      ],
    };
  },
  /** /chart: the last 12 months of the admin's unit subtree as an image. */
  async chart(turn) {
    const { unit, series } = await monthlySeries(turn.bot.ctx, me(turn), await adminUnit(turn));
    const png = drawChart(tr(turn, "chart-title", { unit }), series, {
      hours: tr(turn, "chart-hours"),
      times: tr(turn, "chart-times"),
    });
    return {
      replies: [
        {
          text: tr(turn, "chart-title", { unit }),
          attachment: { kind: "image", name: "stats.png", mime: "image/png", bytes: png },
        },
      ],
    };
  },
  /** /export [period]: the unit subtree's certified service records, as XLSX and CSV. */
  async export(turn, arg) {
    const period = parsePeriod(arg, turn.bot.ctx.now());
    if (!period) return { replies: [await say(turn, "bad-period")] };
    const rows = await serviceRows(turn.bot.ctx, me(turn), await adminUnit(turn), period);
    const text = tr(turn, "export-caption", { count: rows.length });
    return {
      replies: [
        {
          text,
          attachment: {
            kind: "document",
            name: "services.xlsx",
            mime: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            bytes: await toXlsx(rows),
          },
        },
        { text: "CSV", attachment: { kind: "document", name: "services.csv", mime: "text/csv", bytes: toCsv(rows) } },
      ],
    };
  },
};
