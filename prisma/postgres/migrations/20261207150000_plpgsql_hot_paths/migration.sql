-- The hot paths' small helpers in PL/pgSQL rather than SQL: a SQL function called from PL/pgSQL
-- is planned again at every call (≈0.1–0.2 ms each), a PL/pgSQL one keeps its plans per session.
CREATE OR REPLACE FUNCTION tb_holds_role(p_member integer, p_role text, p_path text) RETURNS boolean LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN EXISTS (SELECT 1 FROM role r JOIN unit u ON u.id = r.unit_id
                  WHERE r.member_id = p_member AND r.role = p_role AND starts_with(p_path, u.path));
END $$;

CREATE OR REPLACE FUNCTION tb_prior(p_key text) RETURNS json LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN (SELECT json_build_object('prior', json_build_object('kind', o.kind, 'result', o.result)) FROM operation o WHERE o.key = p_key);
END $$;


-- The ledger's counters within a clearing account's floor and ceiling (a peer bank's trust limits),
-- as bump in src/engine/ledger.ts: a debit the account cannot cover, or one past its floor, is
-- refused (TB402, or TB454 for a limited account, the message being the minutes); a credit past
-- its ceiling too (TB454). A derived account is not touched.
CREATE OR REPLACE FUNCTION tb_bump_debit(p_id integer, p_column text, p_amount integer) RETURNS void LANGUAGE plpgsql AS $$
DECLARE a record;
BEGIN
  IF p_column = 'posted' THEN
    UPDATE account SET debits_posted = debits_posted + p_amount
     WHERE id = p_id AND NOT derived AND (CASE WHEN floor IS NULL
       THEN allow_negative OR p_amount < 0 OR credits_posted - debits_posted - debits_pending >= p_amount
       ELSE credits_posted - debits_posted - debits_pending - p_amount >= floor END);
  ELSE
    UPDATE account SET debits_pending = debits_pending + p_amount
     WHERE id = p_id AND NOT derived AND (CASE WHEN floor IS NULL
       THEN allow_negative OR p_amount < 0 OR credits_posted - debits_posted - debits_pending >= p_amount
       ELSE credits_posted - debits_posted - debits_pending - p_amount >= floor END);
  END IF;
  IF FOUND THEN RETURN; END IF;
  SELECT x.derived, x.floor IS NOT NULL OR x.ceiling IS NOT NULL AS limited INTO a FROM account x WHERE x.id = p_id;
  IF a.derived THEN RETURN; END IF;
  IF a.limited THEN RAISE EXCEPTION '%', p_amount USING ERRCODE = 'TB454'; END IF;
  RAISE EXCEPTION 'insufficient credits' USING ERRCODE = 'TB402';
END $$;

CREATE OR REPLACE FUNCTION tb_bump_credit(p_id integer, p_column text, p_amount integer) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF p_column = 'posted' THEN
    UPDATE account SET credits_posted = credits_posted + p_amount
     WHERE id = p_id AND NOT derived
       AND (ceiling IS NULL OR p_amount <= 0 OR credits_posted + credits_pending - debits_posted + p_amount <= ceiling);
  ELSE
    UPDATE account SET credits_pending = credits_pending + p_amount
     WHERE id = p_id AND NOT derived
       AND (ceiling IS NULL OR p_amount <= 0 OR credits_posted + credits_pending - debits_posted + p_amount <= ceiling);
  END IF;
  IF NOT FOUND AND EXISTS (SELECT 1 FROM account x WHERE x.id = p_id AND NOT x.derived) THEN
    RAISE EXCEPTION '%', p_amount USING ERRCODE = 'TB454';
  END IF;
END $$;

-- Resolves a hold as before, the resolving transfer now carrying a memo (a cross-bank transfer's id).
DROP FUNCTION tb_resolve(integer, integer, text, text, integer, integer, integer, timestamp(3));
CREATE FUNCTION tb_resolve(p_pending integer, p_post integer, p_key text, p_reason text, p_version integer,
  p_actor integer, p_need integer, p_at timestamp(3), p_memo text DEFAULT '', OUT o_id integer, OUT o_amount integer)
LANGUAGE plpgsql AS $$
DECLARE h record; posted integer;
BEGIN
  SELECT t.bank_id, t.debit_account_id AS d, t.credit_account_id AS c, t.amount, t.status INTO h FROM transfer t WHERE t.id = p_pending;
  IF NOT FOUND OR h.status <> 'pending' THEN RAISE EXCEPTION 'no such hold' USING ERRCODE = 'TB404'; END IF;
  IF EXISTS (SELECT 1 FROM transfer t WHERE t.pending_id = p_pending) THEN
    RAISE EXCEPTION 'hold already resolved' USING ERRCODE = 'TB409';
  END IF;
  posted := least(greatest(p_post, 0), h.amount);
  INSERT INTO transfer (bank_id, debit_account_id, credit_account_id, amount, status, pending_id, idempotency_key, reason,
      policy_version, actor_id, need_id, service_minutes, memo, created_at)
    VALUES (h.bank_id, h.d, h.c, CASE WHEN posted > 0 THEN posted ELSE h.amount END,
      CASE WHEN posted > 0 THEN 'posted' ELSE 'voided' END, p_pending, p_key, p_reason, p_version, p_actor, p_need, 0, p_memo, p_at)
    RETURNING transfer.id, transfer.amount INTO o_id, o_amount;
  PERFORM tb_apply(h.d, h.c, 'pending', -h.amount);
  IF posted > 0 THEN PERFORM tb_apply(h.d, h.c, 'posted', posted); END IF;
END $$;

-- Records a peer's message id in the transaction of its effect (claim in
-- src/engine/federation/transfers.ts): the same message again is refused (TB429).
CREATE FUNCTION tb_claim_nonce(p_peer integer, p_nonce text, p_at timestamp(3)) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF p_nonce IS NULL THEN RETURN; END IF;
  INSERT INTO peer_nonce (peer_id, id, created_at) VALUES (p_peer, p_nonce, p_at) ON CONFLICT (peer_id, id) DO NOTHING;
  IF NOT FOUND THEN RAISE EXCEPTION 'replay' USING ERRCODE = 'TB429'; END IF;
END $$;

-- The receiving side of a cross-bank gift or payment in one call (prepareIn in
-- src/engine/federation/incoming.ts, which SQLite and a move run): the message id claimed, an
-- earlier prepare of this id answered with its state, then the same refusals in the same order
-- (TB429 a replayed message, TB400 another amount or kind under the same id, TB451 no such
-- member here, TB404/TB409 the need (payments), TB453 not a confirmed direct relative, TB454 over
-- the trust limit, the message being the minutes), the credit held from the peer's clearing
-- account and the incoming row. Returns its state.
CREATE FUNCTION tb_prepare_in(p_peer integer, p_bank integer, p_clearing integer, p_code text, p_nonce text, p_xid text,
  p_kind text, p_amount integer, p_to integer, p_from text, p_from_name text, p_need integer, p_at timestamp(3),
  p_defaults jsonb) RETURNS text LANGUAGE plpgsql AS $$
DECLARE pr record; v_need record; v_rel text; v_path text; pol record; v_to integer; v_hold integer;
BEGIN
  PERFORM tb_claim_nonce(p_peer, p_nonce, p_at);
  SELECT c.state, c.amount, c.kind INTO pr FROM cross_transfer c WHERE c.peer_id = p_peer AND c.xid = p_xid;
  IF FOUND THEN
    IF pr.amount <> p_amount OR pr.kind <> p_kind THEN RAISE EXCEPTION 'not the prepared transfer' USING ERRCODE = 'TB400'; END IF;
    RETURN pr.state;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM member m WHERE m.id = p_to AND EXISTS (
       SELECT 1 FROM role r JOIN unit u ON u.id = r.unit_id WHERE r.member_id = m.id AND u.bank_id = p_bank)) THEN
    RAISE EXCEPTION 'no such member' USING ERRCODE = 'TB451';
  END IF;
  IF p_kind = 'pay' THEN
    SELECT d.elder_id, d.status INTO v_need FROM need d WHERE d.id = coalesce(p_need, 0) AND d.bank_id = p_bank;
    IF NOT FOUND OR v_need.elder_id <> p_to THEN RAISE EXCEPTION 'no such need' USING ERRCODE = 'TB404'; END IF;
    IF v_need.status NOT IN ('pending_review', 'published', 'accepted', 'reported', 'confirmed') THEN
      RAISE EXCEPTION 'need not payable' USING ERRCODE = 'TB409';
    END IF;
  END IF;
  -- The relation the recipient confirmed, among the gift relations of their home unit's policy.
  SELECT x.relation INTO v_rel FROM remote_relative x WHERE x.member_id = p_to AND x.address = p_code || ':' || p_from;
  SELECT u.path INTO v_path FROM role r JOIN unit u ON u.id = r.unit_id WHERE r.member_id = p_to ORDER BY r.id LIMIT 1;
  SELECT * INTO pol FROM tb_policy(v_path, p_defaults);
  IF v_rel IS NULL OR NOT coalesce(pol.policy -> 'giftRelations' ? v_rel, false) THEN
    RAISE EXCEPTION 'not a direct relative' USING ERRCODE = 'TB453';
  END IF;
  v_to := tb_member_account(p_bank, p_to);
  INSERT INTO transfer (bank_id, debit_account_id, credit_account_id, amount, status, idempotency_key, reason, policy_version,
      actor_id, need_id, service_minutes, memo, created_at)
    VALUES (p_bank, p_clearing, v_to, p_amount, 'pending', 'x:' || p_xid || ':in:hold',
      CASE p_kind WHEN 'pay' THEN 'spend' ELSE p_kind END, 0, NULL, p_need, 0, p_code || ':' || p_from, p_at)
    RETURNING id INTO v_hold;
  -- The clearing account's floor is the trust limit the peer has here (TB454 past it).
  PERFORM tb_apply(p_clearing, v_to, 'pending', p_amount);
  INSERT INTO cross_transfer (peer_id, xid, direction, kind, state, member_id, remote_member, remote_name, amount, hold_id,
      need_id, created_at, updated_at)
    VALUES (p_peer, p_xid, 'in', p_kind, 'prepared', p_to, p_from, p_from_name, p_amount, v_hold, p_need, p_at, p_at);
  RETURN 'prepared';
END $$;

-- The origin committed these (commitIn): the message id claimed, then each prepared incoming
-- transfer posted once (its hold resolved by tb_resolve) in this one transaction. Returns each
-- id's state and who was credited, for the notifications.
CREATE FUNCTION tb_commit_in(p_peer integer, p_nonce text, p_xids text[], p_at timestamp(3)) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE v_xid text; x record; v_states jsonb := '{}'; v_credited jsonb := '[]';
BEGIN
  PERFORM tb_claim_nonce(p_peer, p_nonce, p_at);
  FOREACH v_xid IN ARRAY p_xids LOOP
    UPDATE cross_transfer c SET state = 'committed', updated_at = p_at
     WHERE c.peer_id = p_peer AND c.xid = v_xid AND c.direction = 'in' AND c.state = 'prepared'
     RETURNING c.hold_id, c.member_id, c.amount, c.kind, c.need_id INTO x;
    IF FOUND THEN
      IF x.hold_id IS NOT NULL THEN
        PERFORM tb_resolve(x.hold_id, x.amount, 'x:' || v_xid || ':in:committed', CASE x.kind WHEN 'pay' THEN 'spend' ELSE x.kind END,
          0, x.member_id, x.need_id, p_at, v_xid);
      END IF;
      IF x.member_id IS NOT NULL THEN
        v_credited := v_credited || jsonb_build_object('xid', v_xid, 'memberId', x.member_id, 'minutes', x.amount);
      END IF;
    END IF;
    v_states := v_states || jsonb_build_object(v_xid, coalesce(
      (SELECT c.state FROM cross_transfer c WHERE c.peer_id = p_peer AND c.xid = v_xid), 'unknown'));
  END LOOP;
  RETURN json_build_object('states', v_states, 'credited', v_credited);
END $$;
