// Service-record certificates (服务记录证明, "谁记录谁证明"): a PDF with the member, unit, period,
// hours per category, lifetime hours, star level, issuing unit, date, and a verification code with
// a QR code. Each certificate is stored, so /verify CODE tells anyone whether it is genuine.
import { randomInt } from "node:crypto";
import PDFDocument from "pdfkit";
import QRCode from "qrcode";
import { z } from "zod";
import { sqlOf } from "../db/client.ts";
import * as engine from "../engine/index.ts";
import { CJK_FONT } from "./fonts.ts";
import type { Period } from "./period.ts";

/** What a certificate states; stored with it and shown again by /verify. */
export interface CertificateData {
  code: string;
  member: string;
  unit: string;
  bank: string;
  from: string;
  to: string;
  label: string;
  categories: Array<{ nameZh: string; nameEn: string; minutes: number; times: number }>;
  totalMinutes: number;
  lifetimeMinutes: number;
  stars: number;
  issuedAt: string;
}

const ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/** A 12-character code without look-alike letters, grouped for reading out, like "TB-7KQM-2RWD-H4PN". */
function newCode(): string {
  const c = Array.from({ length: 12 }, () => ALPHABET[randomInt(ALPHABET.length)]).join("");
  return `TB-${c.slice(0, 4)}-${c.slice(4, 8)}-${c.slice(8)}`;
}

/** Issues a certificate for a member (themself, or an admin over them) and renders its PDF. */
export async function issueCertificate(
  ctx: engine.Ctx,
  input: { actorId: number; memberId: number; period: Period },
  publicUrl?: string,
) {
  const d = z.object({ actorId: z.number().int().positive(), memberId: z.number().int().positive() }).parse(input);
  const data = await ctx.db.tx(async (tx) => {
    if (d.actorId !== d.memberId) {
      const { requireRoleOverMember } = await import("../engine/authz.ts");
      await requireRoleOverMember(tx, d.actorId, d.memberId);
    }
    const sql = sqlOf(tx);
    const member = await tx.member.findUniqueOrThrow({ where: { id: d.memberId } });
    const role = await tx.role.findFirst({
      where: { memberId: d.memberId },
      include: { unit: { include: { bank: true } } },
      orderBy: { id: "asc" },
    });
    if (!role) throw new engine.AppError("not-registered");
    const categories = await sql.all<{ nameZh: string; nameEn: string; minutes: number; times: number }>(
      `SELECT c.name_zh AS "nameZh", c.name_en AS "nameEn", SUM(n.reported_minutes) AS minutes, COUNT(*) AS times
         FROM need n JOIN category c ON c.id = n.category_id
        WHERE n.volunteer_id = ? AND n.status = 'certified' AND n.certified_at >= ? AND n.certified_at < ?
        GROUP BY c.name_zh, c.name_en ORDER BY minutes DESC`,
      [d.memberId, input.period.from, input.period.to],
    );
    const account = await tx.account.findFirst({ where: { memberId: d.memberId, bankId: role.unit.bankId } });
    const { policy } = await engine.effectivePolicy(tx, role.unitId);
    const lifetime = account?.lifetimeMinutes ?? 0;
    const out: CertificateData = {
      code: newCode(),
      member: member.name,
      unit: role.unit.name,
      bank: role.unit.bank.name,
      from: input.period.from.toISOString(),
      to: input.period.to.toISOString(),
      label: input.period.label,
      categories: categories.map((c) => ({ ...c, minutes: Number(c.minutes), times: Number(c.times) })),
      totalMinutes: categories.reduce((s, c) => s + Number(c.minutes), 0),
      lifetimeMinutes: lifetime,
      stars: engine.starLevel(policy, lifetime),
      issuedAt: ctx.now().toISOString(),
    };
    await tx.certificate.create({
      data: {
        code: out.code,
        memberId: d.memberId,
        bankId: role.unit.bankId,
        periodFrom: input.period.from,
        periodTo: input.period.to,
        data: JSON.stringify(out),
        issuedAt: ctx.now(),
      },
    });
    return out;
  });
  return { data, pdf: await renderCertificate(data, publicUrl) };
}

/** What a code certified, or null if no certificate has this code (a changed or made-up code). */
export async function verifyCertificate(ctx: engine.Ctx, code: string): Promise<CertificateData | null> {
  const normal = code.trim().toUpperCase();
  if (!/^TB-[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}$/.test(normal)) return null;
  const row = await ctx.db.read((c) => c.certificate.findUnique({ where: { code: normal } }));
  return row ? (JSON.parse(row.data) as CertificateData) : null;
}

const hours = (m: number) => (Math.round((m / 60) * 10) / 10).toString();
const day = (iso: string) => iso.slice(0, 10);

/**
 * The certificate as an A4 PDF with the CJK font embedded and a QR code: of the public page that
 * verifies it (`publicUrl`/verify/CODE) when the bank has a public address, else of the code.
 */
export async function renderCertificate(c: CertificateData, publicUrl?: string): Promise<Uint8Array> {
  const target = publicUrl ? `${publicUrl}/verify/${c.code}` : `TIMEBANK-VERIFY:${c.code}`;
  const qr = await QRCode.toBuffer(target, { margin: 1, width: 160 });
  const doc = new PDFDocument({ size: "A4", margin: 56, info: { Title: `服务记录证明 ${c.code}`, Author: c.bank } });
  const chunks: Buffer[] = [];
  doc.on("data", (b: Buffer) => chunks.push(b));
  const done = new Promise<void>((r) => doc.on("end", () => r()));
  doc.registerFont("cjk", CJK_FONT);
  doc.font("cjk");
  doc.fontSize(22).text("志愿服务记录证明", { align: "center" });
  doc.fontSize(11).text("Volunteer service record certificate", { align: "center" });
  doc.moveDown(1.5);
  doc.fontSize(12);
  const period = c.label ? c.label : `${day(c.from)} – ${day(c.to)}`;
  doc.text(`兹证明 ${c.member}（${c.unit}）在 ${period} 期间参加${c.bank}养老志愿服务，经认证的服务记录如下：`);
  doc.moveDown();
  for (const k of c.categories) doc.text(`${k.nameZh} (${k.nameEn})：${k.times} 次，${hours(k.minutes)} 小时`);
  if (!c.categories.length) doc.text("本期间无认证的服务记录。");
  doc.moveDown();
  doc.text(`本期间合计：${hours(c.totalMinutes)} 小时`);
  doc.text(`累计服务时长：${hours(c.lifetimeMinutes)} 小时    星级：${c.stars}★`);
  doc.moveDown();
  doc.text(`出具单位：${c.unit}（${c.bank}）`);
  doc.text(`出具日期：${day(c.issuedAt)}`);
  doc.text(`验证码：${c.code}（发送 /verify ${c.code} 查验）`);
  doc.image(qr, doc.page.width - 56 - 120, doc.y + 10, { width: 120 });
  doc.end();
  await done;
  return new Uint8Array(Buffer.concat(chunks));
}
