// The credit engine's public surface: channels and jobs import from here and nothing deeper.
export { ROLES, type RoleName } from "./authz.ts";
export { type Ctx, createCtx, type DomainEvent } from "./context.ts";
export { balance, cashOut, donate, gift, grant, history, redeemGoods, reverseTransfer } from "./credits.ts";
export { AppError, ERROR_CODES, type ErrorCode } from "./errors.ts";
export { confirmFamily, linkFamily } from "./family.ts";
export {
  addRole,
  bootstrapAdmin,
  findByIdentity,
  LOCALES,
  linkIdentity,
  PRIORITY,
  registerMember,
  registerOfflineElder,
} from "./members.ts";
export { acceptNeed, cancelNeed, elderContact, postNeed, reviewNeed, withdrawNeed } from "./needs.ts";
export { DEFAULT_POLICY, effectivePolicy, type Policy, type PolicyPatch, pathIds, starLevel } from "./policy.ts";
export {
  adminQueue,
  eldersFor,
  findMembers,
  type NeedView,
  needsOf,
  needView,
  needViewIn,
  openNeedsFor,
  rolesFor,
  tasksOf,
  toConfirm,
  unitsUnder,
} from "./queries.ts";
export { qualify, recordTraining, setPriority, verifyMember } from "./records.ts";
export { certifyNeed, confirmService, disputeService, expireOverdue, reportService } from "./service.ts";
export { unitStats } from "./stats.ts";
export { bindGroup, broadcast, catalogue, createUnit, ensureBank, setCategory, setPolicy, subtree } from "./units.ts";
