// The credit engine's public surface: channels and jobs import from here and nothing deeper.
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
export { catalogue, createUnit, ensureBank, setCategory, setPolicy, subtree } from "./units.ts";
