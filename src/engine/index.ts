// The credit engine's public surface: channels and jobs import from here and nothing deeper.

export { ROLES, type RoleName } from "./authz.ts";
export { audit, type Ctx, createCtx, type DomainEvent } from "./context.ts";
export { AppError, ERROR_CODES, type ErrorCode } from "./errors.ts";
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
  PeerLimit,
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
export { balance, cashOut, donate, gift, history, redeemGoods, reverseTransfer } from "./ledger/credits.ts";
export { fundGrantPool, grant, poolBalance } from "./ledger/grants.ts";
export { type BroadcastView, broadcast, broadcastTag, recentBroadcasts } from "./organisation/broadcasts.ts";
export {
  DEFAULT_POLICY,
  effectivePolicy,
  POLICY_KEYS,
  type Policy,
  type PolicyPatch,
  pathIds,
  policyPatchOf,
  starLevel,
} from "./organisation/policy.ts";
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
} from "./organisation/units.ts";
export { confirmFamily, declineFamily, type FamilyLinkView, familyLinksOf, linkFamily } from "./people/family.ts";
export {
  findByIdentity,
  LOCALES,
  linkIdentity,
  PRIORITY,
  registerMember,
  registerOfflineElder,
} from "./people/members.ts";
export { qualify, recordTraining, setPriority, verifyMember } from "./people/records.ts";
export { acceptRoleOffer, addRole, bootstrapAdmin } from "./people/roles.ts";
export { acceptNeed, cancelNeed, elderContact, postNeed, reviewNeed, withdrawNeed } from "./service/needs.ts";
export {
  answerDispute,
  certifyNeed,
  confirmService,
  disputeService,
  expireOverdue,
  refuseService,
  reportService,
} from "./service/service.ts";
export { type AuditEntry, readAudit } from "./views/auditlog.ts";
export { type ElderAtDesk, elderAtDesk } from "./views/desk.ts";
export { type DirectoryEntry, searchMembers, type UnitNode, unitsHeldBy, unitTree } from "./views/directory.ts";
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
} from "./views/queries.ts";
export { unitStats } from "./views/stats.ts";
