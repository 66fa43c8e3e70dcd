// The credit engine's public surface: channels and jobs import from here and nothing deeper.
export { type AuditEntry, readAudit } from "./auditlog.ts";
export { ROLES, type RoleName } from "./authz.ts";
export { type BroadcastView, broadcast, broadcastTag, recentBroadcasts } from "./broadcasts.ts";
export { audit, type Ctx, createCtx, type DomainEvent } from "./context.ts";
export { balance, cashOut, donate, gift, history, redeemGoods, reverseTransfer } from "./credits.ts";
export { type ElderAtDesk, elderAtDesk } from "./desk.ts";
export { type DirectoryEntry, searchMembers, type UnitNode, unitsHeldBy, unitTree } from "./directory.ts";
export { AppError, ERROR_CODES, type ErrorCode } from "./errors.ts";
export { confirmFamily, declineFamily, type FamilyLinkView, familyLinksOf, linkFamily } from "./family.ts";
export { abortIn, commitIn, Prepare, prepareIn } from "./federation/incoming.ts";
export { approveMove, cancelMove, movesAwaiting, requestMove } from "./federation/moves.ts";
export { commitOut, holdOut, keepHeld, markSettled, voidOut } from "./federation/outgoing.ts";
export {
  Address,
  addPeer,
  BankCode,
  type BankIdentity,
  bankIdentity,
  findPeer,
  markLinked,
  type PeerRow,
  peerByCode,
} from "./federation/peers.ts";
export { clearingOverview, type PeerView, peersOf, positionWith, recordStatement } from "./federation/positions.ts";
export {
  addRemoteRelative,
  CROSS_KINDS,
  type CrossKind,
  type CrossRow,
  type CrossState,
  claimNonce,
  crossRow,
  crossState,
  unfinished,
} from "./federation/transfers.ts";
export { fundGrantPool, grant, poolBalance } from "./grants.ts";
export {
  findByIdentity,
  LOCALES,
  linkIdentity,
  PRIORITY,
  registerMember,
  registerOfflineElder,
} from "./members.ts";
export { acceptNeed, cancelNeed, elderContact, postNeed, reviewNeed, withdrawNeed } from "./needs.ts";
export {
  DEFAULT_POLICY,
  effectivePolicy,
  POLICY_KEYS,
  type Policy,
  type PolicyPatch,
  pathIds,
  policyPatchOf,
  starLevel,
} from "./policy.ts";
export {
  adminQueue,
  adminQueuePage,
  categoryByCode,
  eldersFor,
  findMembers,
  memberName,
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
export { acceptRoleOffer, addRole, bootstrapAdmin } from "./roles.ts";
export {
  answerDispute,
  certifyNeed,
  confirmService,
  disputeService,
  expireOverdue,
  refuseService,
  reportService,
} from "./service.ts";
export { unitStats } from "./stats.ts";
export {
  bindGroup,
  catalogue,
  createUnit,
  ensureBank,
  explainPolicy,
  renameUnit,
  setCategory,
  setPolicy,
  subtree,
  unbindGroup,
} from "./units.ts";
