// Who may do what to whom: the one authorization table of the bot, as data. Every command and
// button that changes something (or shows an elder's contact) is a row; every kind of person is a
// column. The engine enforces it; `test/bot/routing/authorization.test.ts` runs every cell through the
// console channel on both databases, and `docs/authorization.md` is rendered from it.

/** The people a cell is about, seen from the unit whose member, need or group the action concerns. */
export const ACTORS = {
  self: "the member concerned (the elder of a need)",
  relative: "a confirmed relative of the elder",
  volunteer: "a volunteer of the unit",
  other: "a member of a sibling unit",
  admin: "an admin of the unit",
  sibling: "an admin of a sibling unit",
  parent: "an admin of the parent unit",
  child: "an admin of a child unit",
  hotline: "a hotline operator of the unit",
  stranger: "an unregistered person",
} as const;
export type Actor = keyof typeof ACTORS;

/** One row: what is done, how it is asked (a command or a button), and who may. */
export interface Rule {
  action: string;
  how: string;
  allow: Actor[];
  /** Why, in a few words, for the rendered table. */
  why: string;
}

const ADMINS_OF_THE_LINE: Actor[] = ["admin", "parent"];

/** The table. Every actor not in `allow` is refused and nothing changes. */
export const AUTHORIZATION: Rule[] = [
  { action: "grant", how: "/grant ELDER 30", allow: ADMINS_OF_THE_LINE, why: "from the unit's funded pool" },
  { action: "fund", how: "/fund UNIT 60", allow: ["parent"], why: "only an admin above the unit" },
  { action: "train", how: "/train VOLUNTEER 30", allow: ADMINS_OF_THE_LINE, why: "the member's own line" },
  { action: "verify", how: "/verify MEMBER", allow: ADMINS_OF_THE_LINE, why: "the member's own line" },
  { action: "verify-button", how: "button: 核实通过", allow: ADMINS_OF_THE_LINE, why: "re-checked when pressed" },
  {
    action: "qualify",
    how: "button after /qualify VOLUNTEER",
    allow: ADMINS_OF_THE_LINE,
    why: "the member's own line",
  },
  {
    action: "role",
    how: "/role OTHER family UNIT",
    allow: ["other", "admin", "parent", "hotline"],
    why: "an offer the member accepts unless given from above both units; a member may join a unit as volunteer or family",
  },
  { action: "role-accept", how: "button: 接受 (a role offer)", allow: ["other"], why: "only the invited member" },
  {
    action: "unit-add",
    how: "/unit add NAME community",
    allow: ["admin", "sibling", "parent", "child"],
    why: "below one's own unit",
  },
  { action: "bind", how: "/unit bind UNIT (in a group)", allow: ADMINS_OF_THE_LINE, why: "rights over the unit" },
  {
    action: "rebind",
    how: "/unit bind (own unit, in a group bound to UNIT)",
    allow: ADMINS_OF_THE_LINE,
    why: "rights over the current binding too",
  },
  {
    action: "unbind",
    how: "/unit unbind (in a group bound to UNIT)",
    allow: ADMINS_OF_THE_LINE,
    why: "rights over the binding",
  },
  {
    action: "policy",
    how: "/policy set UNIT goodsShare 0.1",
    allow: ADMINS_OF_THE_LINE,
    why: "within the admin's scope",
  },
  {
    action: "broadcast",
    how: "/broadcast TEXT",
    allow: ["admin", "sibling", "parent", "child"],
    why: "to one's own subtree",
  },
  {
    action: "elder",
    how: "/elder NAME 1940 PHONE ADDRESS",
    allow: ["admin", "sibling", "parent", "child", "hotline"],
    why: "staff register offline elders in their unit",
  },
  {
    action: "linkfamily",
    how: "/linkfamily ELDER OTHER child",
    allow: ADMINS_OF_THE_LINE,
    why: "the elder is asked to confirm",
  },
  {
    action: "family-confirm",
    how: "button: 确认是我的家人",
    allow: ["self", "admin", "parent"],
    why: "the elder, or staff over her",
  },
  {
    action: "review",
    how: "button: 通过 (a need to review)",
    allow: ADMINS_OF_THE_LINE,
    why: "admins over the need's unit",
  },
  {
    action: "accept",
    how: "button: 我来接单",
    allow: ["volunteer"],
    why: "a trained volunteer of the unit, not family",
  },
  { action: "withdraw", how: "button: 退单", allow: ["volunteer"], why: "only the assigned volunteer" },
  {
    action: "contact",
    how: "button: 老人联系方式",
    allow: ["volunteer", "admin", "parent"],
    why: "the assigned volunteer and admins over the unit",
  },
  {
    action: "confirm",
    how: "button: ★★★★★ (a reported service)",
    allow: ["self", "relative"],
    why: "the elder or a relative",
  },
  { action: "certify", how: "button: 认证时长", allow: ADMINS_OF_THE_LINE, why: "four eyes: never someone involved" },
  {
    action: "cancel",
    how: "/cancelneed NEED (not yet served)",
    allow: ["self", "relative", "admin", "parent", "hotline"],
    why: "the requester side or staff",
  },
  { action: "cancel-served", how: "/cancelneed NEED (reported)", allow: [], why: "once served, only an admin decides" },
];

/** The table as Markdown (docs/authorization.md). */
export function renderAuthorization(): string {
  const actors = Object.keys(ACTORS) as Actor[];
  const head = `| action | how | ${actors.join(" | ")} | why |`;
  const rule = `|---|---|${actors.map(() => ":-:").join("|")}|---|`;
  const rows = AUTHORIZATION.map(
    (r) =>
      `| ${r.action} | ${r.how} | ${actors.map((a) => (r.allow.includes(a) ? "✅" : "—")).join(" | ")} | ${r.why} |`,
  );
  const legend = actors.map((a) => `- **${a}**: ${ACTORS[a]}`);
  return [
    "# Who may do what (generated from `src/bot/routing/authorization.ts`; do not edit)",
    "",
    "✅ allowed, — refused with a localized message and nothing changed. Every cell is run through the",
    "console channel on SQLite and PostgreSQL by `test/bot/routing/authorization.test.ts`.",
    "",
    head,
    rule,
    ...rows,
    "",
    ...legend,
    "",
  ].join("\n");
}
