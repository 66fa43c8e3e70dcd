// The credit engine's public surface: channels and jobs import from here and nothing deeper.

export { ROLES, type RoleName } from "./authz.ts";
export type { DomainEvent } from "./context.ts";
export { type Ctx, createCtx } from "./context.ts";
export { balance, cashOut, donate, gift, grant, history, redeemGoods, reverseTransfer } from "./credits.ts";
export { AppError, ERROR_CODES, type ErrorCode } from "./errors.ts";
export {
  addRole,
  bootstrapAdmin,
  confirmFamily,
  findByIdentity,
  LOCALES,
  linkFamily,
  linkIdentity,
  PRIORITY,
  qualify,
  recordTraining,
  registerMember,
  registerOfflineElder,
  setPriority,
  verifyMember,
} from "./members.ts";
export {
  acceptNeed,
  cancelNeed,
  certifyNeed,
  confirmService,
  disputeService,
  elderContact,
  expireOverdue,
  postNeed,
  reportService,
  reviewNeed,
  withdrawNeed,
} from "./needs.ts";
export { DEFAULT_POLICY, effectivePolicy, type Policy, type PolicyPatch, starLevel } from "./policy.ts";
export {
  adminQueue,
  eldersFor,
  findMembers,
  type NeedView,
  needsOf,
  needView,
  openNeedsFor,
  rolesFor,
  tasksOf,
  toConfirm,
  unitsUnder,
} from "./queries.ts";
export { unitStats } from "./stats.ts";
export { bindGroup, broadcast, catalogue, createUnit, ensureBank, setCategory, setPolicy, subtree } from "./units.ts";
