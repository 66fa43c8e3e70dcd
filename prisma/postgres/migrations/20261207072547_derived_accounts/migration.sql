-- Issuance keeps no counters: its balance is the sum of its transfers (see src/engine/ledger.ts),
-- so concurrent certifications do not queue behind its row.
ALTER TABLE "account" ADD COLUMN "derived" BOOLEAN NOT NULL DEFAULT false;
UPDATE "account" SET "derived" = true, "debits_posted" = 0, "credits_posted" = 0, "debits_pending" = 0, "credits_pending" = 0
 WHERE "code" = 'issuance';

-- The ledger's hot paths as server-side functions: one round trip instead of one per statement.
-- They make the same checks as the TypeScript path in src/engine (which SQLite runs), by the same
-- conditional updates; errors carry codes the engine turns into its own (TB402: not enough credits,
-- TB404: no such hold, TB409: not in a state that allows it).

-- Debits an account if it can cover the amount (or may go negative); a derived one is not touched.
CREATE FUNCTION tb_bump_debit(p_id integer, p_column text, p_amount integer) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF p_column = 'posted' THEN
    UPDATE account SET debits_posted = debits_posted + p_amount
     WHERE id = p_id AND NOT derived AND (allow_negative OR p_amount < 0 OR credits_posted - debits_posted - debits_pending >= p_amount);
  ELSE
    UPDATE account SET debits_pending = debits_pending + p_amount
     WHERE id = p_id AND NOT derived AND (allow_negative OR p_amount < 0 OR credits_posted - debits_posted - debits_pending >= p_amount);
  END IF;
  IF NOT FOUND AND NOT (SELECT derived FROM account WHERE id = p_id) THEN
    RAISE EXCEPTION 'insufficient credits' USING ERRCODE = 'TB402';
  END IF;
END $$;

-- Credits an account; a derived one is not touched.
CREATE FUNCTION tb_bump_credit(p_id integer, p_column text, p_amount integer) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF p_column = 'posted' THEN
    UPDATE account SET credits_posted = credits_posted + p_amount WHERE id = p_id AND NOT derived;
  ELSE
    UPDATE account SET credits_pending = credits_pending + p_amount WHERE id = p_id AND NOT derived;
  END IF;
END $$;

-- Both sides of a movement, in account-id order (as the TypeScript path), so concurrent transfers
-- lock rows in one order.
CREATE FUNCTION tb_apply(p_debit integer, p_credit integer, p_column text, p_amount integer) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF p_debit < p_credit THEN
    PERFORM tb_bump_debit(p_debit, p_column, p_amount);
    PERFORM tb_bump_credit(p_credit, p_column, p_amount);
  ELSE
    PERFORM tb_bump_credit(p_credit, p_column, p_amount);
    PERFORM tb_bump_debit(p_debit, p_column, p_amount);
  END IF;
END $$;

-- A posted transfer and its balances (postTransfer in src/engine/ledger.ts). Returns its id.
CREATE FUNCTION tb_post(p_bank integer, p_debit integer, p_credit integer, p_amount integer, p_key text, p_reason text,
  p_version integer, p_actor integer, p_need integer, p_service integer, p_memo text, p_reverses integer, p_at timestamp(3))
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE t integer;
BEGIN
  INSERT INTO transfer (bank_id, debit_account_id, credit_account_id, amount, status, reverses_id, idempotency_key, reason,
      policy_version, actor_id, need_id, service_minutes, memo, created_at)
    VALUES (p_bank, p_debit, p_credit, p_amount, 'posted', p_reverses, p_key, p_reason, p_version, p_actor, p_need, p_service,
      p_memo, p_at)
    RETURNING id INTO t;
  PERFORM tb_apply(p_debit, p_credit, 'posted', p_amount);
  RETURN t;
END $$;

-- Resolves a hold: posts up to its amount (the rest released) or voids it, at most once
-- (resolveHold in src/engine/ledger.ts). Returns the resolving transfer's id and amount.
CREATE FUNCTION tb_resolve(p_pending integer, p_post integer, p_key text, p_reason text, p_version integer,
  p_actor integer, p_need integer, p_at timestamp(3), OUT o_id integer, OUT o_amount integer) LANGUAGE plpgsql AS $$
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
      CASE WHEN posted > 0 THEN 'posted' ELSE 'voided' END, p_pending, p_key, p_reason, p_version, p_actor, p_need, 0, '', p_at)
    RETURNING transfer.id, transfer.amount INTO o_id, o_amount;
  PERFORM tb_apply(h.d, h.c, 'pending', -h.amount);
  IF posted > 0 THEN PERFORM tb_apply(h.d, h.c, 'posted', posted); END IF;
END $$;

-- A certification's writes (certifyTx in src/engine/certify.ts), after the engine has read the
-- need, authorized the actor and worked out the policy: moves the need to certified if it is still
-- in one of p_from, credits the volunteer up to the storage cap (the excess donated or not
-- credited), grows the goods quota, settles the elder's hold, audits an admin's decision and, given
-- p_op_key, records the operation's result for replays. Returns that result plus what was spent.
-- The common path's statements are written out here rather than called (tb_post): a third faster.
CREATE FUNCTION tb_certify(p_need integer, p_actor integer, p_key text, p_from text[], p_before text, p_minutes integer,
  p_credited integer, p_cap integer, p_donate boolean, p_goods_share double precision, p_stars integer[],
  p_version integer, p_note text, p_at timestamp(3), p_op_key text) RETURNS json LANGUAGE plpgsql AS $$
DECLARE
  n record; v_vol integer; v_iss integer; v_don integer; v_avail integer; v_life integer;
  v_give integer; v_over integer; v_stars integer; v_spent integer := 0; v_result json; r record;
BEGIN
  -- Locked here and written once at the end (one new row version of a table with many indexes).
  SELECT need.bank_id, need.unit_id, need.volunteer_id, need.payment, need.hold_transfer_id INTO n
    FROM need WHERE need.id = p_need AND need.status = ANY (p_from) FOR UPDATE;
  IF NOT FOUND OR n.volunteer_id IS NULL THEN RAISE EXCEPTION 'need not certifiable' USING ERRCODE = 'TB409'; END IF;
  SELECT max(a.id) FILTER (WHERE a.code = 'issuance'), max(a.id) FILTER (WHERE a.code = 'donation'),
         max(a.id) FILTER (WHERE a.code = 'member:' || n.volunteer_id)
    INTO v_iss, v_don, v_vol
    FROM account a WHERE a.bank_id = n.bank_id AND a.code IN ('issuance', 'donation', 'member:' || n.volunteer_id);
  IF v_iss IS NULL OR v_don IS NULL THEN RAISE EXCEPTION 'system account missing' USING ERRCODE = 'TB404'; END IF;
  IF v_vol IS NULL THEN
    INSERT INTO account (bank_id, code, member_id, created_at)
      VALUES (n.bank_id, 'member:' || n.volunteer_id, n.volunteer_id, now() AT TIME ZONE 'UTC')
      ON CONFLICT (bank_id, code) DO NOTHING;
    SELECT a.id INTO v_vol FROM account a WHERE a.bank_id = n.bank_id AND a.code = 'member:' || n.volunteer_id;
  END IF;
  -- Locking the volunteer's row first means the cap check reads a balance no concurrent
  -- certification can change before this transaction ends; then one update moves the lifetime
  -- tally, the credits and the goods quota together.
  SELECT a.credits_posted - a.debits_posted - a.debits_pending INTO v_avail FROM account a WHERE a.id = v_vol FOR NO KEY UPDATE;
  v_give := least(p_credited, CASE WHEN p_cap IS NULL THEN p_credited ELSE greatest(0, p_cap - v_avail) END);
  v_over := p_credited - v_give;
  UPDATE account SET lifetime_minutes = lifetime_minutes + p_minutes, credits_posted = credits_posted + v_give,
      goods_quota = goods_quota + floor(v_give * p_goods_share)::int
   WHERE account.id = v_vol RETURNING lifetime_minutes INTO v_life;
  IF v_give > 0 THEN
    -- Issuance is derived (no counters): only the volunteer's row changes.
    INSERT INTO transfer (bank_id, debit_account_id, credit_account_id, amount, status, idempotency_key, reason,
        policy_version, actor_id, need_id, service_minutes, memo, created_at)
      VALUES (n.bank_id, v_iss, v_vol, v_give, 'posted', p_key || ':credit', 'certify', p_version, p_actor, p_need,
        p_minutes, '', p_at);
  END IF;
  IF v_over > 0 AND p_donate THEN
    PERFORM tb_post(n.bank_id, v_iss, v_don, v_over, p_key || ':over-cap', 'over-cap', p_version, p_actor, p_need, 0, '', NULL, p_at);
  END IF;
  IF n.payment = 'credits' AND n.hold_transfer_id IS NOT NULL THEN
    SELECT * INTO r FROM tb_resolve(n.hold_transfer_id, p_credited, p_key || ':post', 'spend', p_version, p_actor, p_need, p_at);
    v_spent := r.o_amount;
  END IF;
  UPDATE need SET status = 'certified', certified_by_id = p_actor, certified_at = p_at, updated_at = p_at, certify_note = p_note,
      credited_minutes = v_give
   WHERE need.id = p_need;
  IF p_actor IS NOT NULL THEN
    INSERT INTO audit_log (actor_id, action, unit_id, target_type, target_id, before, after, created_at)
      VALUES (p_actor, 'need.certify', n.unit_id, 'need', p_need, json_build_object('status', p_before)::text,
        json_strip_nulls(json_build_object('status', 'certified', 'credited', v_give, 'overCap', v_over, 'minutes', p_minutes,
          'note', p_note))::text, now() AT TIME ZONE 'UTC');
  END IF;
  SELECT count(*) INTO v_stars FROM unnest(p_stars) s WHERE v_life >= s;
  v_result := json_build_object('needId', p_need, 'status', 'certified', 'volunteerId', n.volunteer_id,
    'creditedMinutes', v_give, 'overCapMinutes', v_over, 'balance', v_avail + v_give, 'lifetimeMinutes', v_life, 'stars', v_stars);
  IF p_op_key IS NOT NULL THEN
    INSERT INTO operation (key, kind, result, created_at) VALUES (p_op_key, 'need.certify', v_result::text, now() AT TIME ZONE 'UTC');
  END IF;
  RETURN json_build_object('result', v_result, 'spent', v_spent, 'paid', n.payment = 'credits' AND n.hold_transfer_id IS NOT NULL);
END $$;

-- A member's spendable account in the bank, created on first use (memberAccountId in src/engine/ledger.ts).
CREATE FUNCTION tb_member_account(p_bank integer, p_member integer) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE v_id integer;
BEGIN
  SELECT a.id INTO v_id FROM account a WHERE a.bank_id = p_bank AND a.code = 'member:' || p_member;
  IF v_id IS NULL THEN
    INSERT INTO account (bank_id, code, member_id, created_at)
      VALUES (p_bank, 'member:' || p_member, p_member, now() AT TIME ZONE 'UTC') ON CONFLICT (bank_id, code) DO NOTHING;
    SELECT a.id INTO v_id FROM account a WHERE a.bank_id = p_bank AND a.code = 'member:' || p_member;
  END IF;
  RETURN v_id;
END $$;

-- A member's gift (to p_to_member) or donation (to the account p_to_code) after the engine has
-- checked who may: posts it and records the operation's result under its key, which is also the
-- transfer's key. Returns that result.
CREATE FUNCTION tb_member_transfer(p_bank integer, p_from integer, p_to_member integer, p_to_code text, p_amount integer,
  p_key text, p_reason text, p_version integer, p_at timestamp(3), p_op_kind text) RETURNS json LANGUAGE plpgsql AS $$
DECLARE v_from integer; v_to integer; v_t integer; v_result json;
BEGIN
  v_from := tb_member_account(p_bank, p_from);
  IF p_to_member IS NOT NULL THEN
    v_to := tb_member_account(p_bank, p_to_member);
  ELSE
    SELECT a.id INTO v_to FROM account a WHERE a.bank_id = p_bank AND a.code = p_to_code;
  END IF;
  IF v_to IS NULL THEN RAISE EXCEPTION 'no such account' USING ERRCODE = 'TB404'; END IF;
  v_t := tb_post(p_bank, v_from, v_to, p_amount, p_key, p_reason, p_version, p_from, NULL, 0, '', NULL, p_at);
  v_result := json_build_object('transferId', v_t, 'minutes', p_amount);
  INSERT INTO operation (key, kind, result, created_at) VALUES (p_key, p_op_kind, v_result::text, now() AT TIME ZONE 'UTC');
  RETURN v_result;
END $$;

-- The effective policy at a unit path and its version (policyAt in src/engine/policy.ts): the
-- defaults, then each unit's newest patch root first, multipliers merged tier by tier.
CREATE FUNCTION tb_policy(p_path text, p_defaults jsonb, OUT policy jsonb, OUT version integer) LANGUAGE plpgsql STABLE AS $$
DECLARE r record;
BEGIN
  policy := p_defaults;
  version := 0;
  FOR r IN SELECT p.id, p.data::jsonb AS data
             FROM unnest(string_to_array(trim(both '/' from p_path), '/')::int[]) WITH ORDINALITY AS c(unit_id, depth)
             JOIN LATERAL (SELECT q.id, q.data FROM policy q WHERE q.unit_id = c.unit_id ORDER BY q.id DESC LIMIT 1) p ON true
            ORDER BY c.depth
  LOOP
    policy := policy || (r.data - 'multipliers')
      || jsonb_build_object('multipliers', (policy -> 'multipliers') || coalesce(r.data -> 'multipliers', '{}'::jsonb));
    version := greatest(version, r.id);
  END LOOP;
END $$;

-- Whether the member holds the role at the unit with this path or above it (requireRoleAt).
CREATE FUNCTION tb_holds_role(p_member integer, p_role text, p_path text) RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT EXISTS (SELECT 1 FROM role r JOIN unit u ON u.id = r.unit_id
                  WHERE r.member_id = p_member AND r.role = p_role AND starts_with(p_path, u.path))
$$;

-- The result recorded under an idempotency key, as {prior: {kind, result}}, or null.
CREATE FUNCTION tb_prior(p_key text) RETURNS json LANGUAGE sql STABLE AS $$
  SELECT json_build_object('prior', json_build_object('kind', o.kind, 'result', o.result)) FROM operation o WHERE o.key = p_key
$$;

-- certifyNeed in one call (src/engine/certify-pg.ts): an earlier result under the key, or the same
-- refusals in the same order as the engine's TypeScript path (TB404 no such need, TB403 not an
-- admin over its unit, TB423 four eyes, TB400 more minutes than reported), then tb_certify with the
-- unit's policy. Returns {prior} or tb_certify's answer plus who is told.
CREATE FUNCTION tb_certify_need(p_key text, p_need integer, p_actor integer, p_adjust integer, p_note text,
  p_at timestamp(3), p_defaults jsonb) RETURNS json LANGUAGE plpgsql AS $$
DECLARE n record; pol record; v_minutes integer; v_out json; v_prior json;
BEGIN
  v_prior := tb_prior(p_key);
  IF v_prior IS NOT NULL THEN RETURN v_prior; END IF;
  SELECT d.status, d.volunteer_id, d.reported_minutes, d.elder_id, d.posted_by_id, c.tier, u.path INTO n
    FROM need d JOIN category c ON c.id = d.category_id JOIN unit u ON u.id = d.unit_id WHERE d.id = p_need;
  IF NOT FOUND THEN RAISE EXCEPTION 'no such need' USING ERRCODE = 'TB404'; END IF;
  IF NOT tb_holds_role(p_actor, 'admin', n.path) THEN RAISE EXCEPTION 'not an admin over the need' USING ERRCODE = 'TB403'; END IF;
  IF p_actor IN (n.volunteer_id, n.elder_id, n.posted_by_id)
     OR EXISTS (SELECT 1 FROM family_link f WHERE f.elder_id = n.elder_id AND f.relative_id = p_actor) THEN
    RAISE EXCEPTION 'involved in the service' USING ERRCODE = 'TB423';
  END IF;
  IF p_adjust IS NOT NULL AND p_adjust > coalesce(n.reported_minutes, 0) THEN
    RAISE EXCEPTION 'more minutes than reported' USING ERRCODE = 'TB400';
  END IF;
  v_minutes := coalesce(p_adjust, n.reported_minutes);
  IF n.volunteer_id IS NULL OR v_minutes IS NULL THEN RAISE EXCEPTION 'need not certifiable' USING ERRCODE = 'TB409'; END IF;
  SELECT * INTO pol FROM tb_policy(n.path, p_defaults);
  v_out := tb_certify(p_need, p_actor, p_key, '{confirmed,disputed}', n.status, v_minutes,
    v_minutes * (pol.policy -> 'multipliers' ->> n.tier)::int, (pol.policy ->> 'storageCapMinutes')::int,
    pol.policy ->> 'overCap' = 'donate', (pol.policy ->> 'goodsShare')::float8,
    ARRAY(SELECT h::int * 60 FROM jsonb_array_elements_text(pol.policy -> 'starThresholdsHours') h),
    pol.version, p_note, p_at, p_key);
  RETURN json_build_object('result', v_out -> 'result', 'spent', v_out -> 'spent', 'paid', v_out -> 'paid',
    'elderId', n.elder_id, 'postedById', n.posted_by_id);
END $$;

-- acceptNeed in one call (src/engine/pg/needs.ts): an earlier result under the key, or the same
-- refusals in the same order as the engine's TypeScript path (TB404 no such need, TB403 not a
-- volunteer over its unit, TB425 their own family's need, TB428 training missing (the message is
-- the minutes), TB426 not qualified), then the conditional move to accepted (TB411 already theirs,
-- TB412 taken by someone else, TB409 no longer open). Returns {prior} or {result}.
CREATE FUNCTION tb_accept_need(p_key text, p_need integer, p_actor integer, p_at timestamp(3), p_defaults jsonb)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE n record; pol record; v_training integer; v_result json; v_holder integer; v_prior json;
BEGIN
  v_prior := tb_prior(p_key);
  IF v_prior IS NOT NULL THEN RETURN v_prior; END IF;
  SELECT d.status, d.elder_id, c.tier, c.code, u.path INTO n
    FROM need d JOIN category c ON c.id = d.category_id JOIN unit u ON u.id = d.unit_id WHERE d.id = p_need;
  IF NOT FOUND THEN RAISE EXCEPTION 'no such need' USING ERRCODE = 'TB404'; END IF;
  IF NOT tb_holds_role(p_actor, 'volunteer', n.path) THEN RAISE EXCEPTION 'not a volunteer over the need' USING ERRCODE = 'TB403'; END IF;
  IF p_actor = n.elder_id OR EXISTS (SELECT 1 FROM family_link f
       WHERE f.elder_id = n.elder_id AND f.relative_id = p_actor AND f.confirmed_at IS NOT NULL) THEN
    RAISE EXCEPTION 'their own family''s need' USING ERRCODE = 'TB425';
  END IF;
  SELECT * INTO pol FROM tb_policy(n.path, p_defaults);
  SELECT (pol.policy ->> 'trainingMinutesRequired')::int - m.training_minutes INTO v_training FROM member m WHERE m.id = p_actor;
  IF v_training > 0 THEN RAISE EXCEPTION '%', v_training USING ERRCODE = 'TB428'; END IF;
  IF n.tier = 'professional' AND NOT EXISTS (SELECT 1 FROM qualification q
       WHERE q.member_id = p_actor AND q.category_code = n.code) THEN
    RAISE EXCEPTION 'not qualified' USING ERRCODE = 'TB426';
  END IF;
  UPDATE need SET status = 'accepted', volunteer_id = p_actor, accepted_at = p_at WHERE need.id = p_need AND need.status = 'published';
  IF NOT FOUND THEN
    SELECT d.volunteer_id INTO v_holder FROM need d WHERE d.id = p_need;
    IF v_holder = p_actor THEN RAISE EXCEPTION 'already theirs' USING ERRCODE = 'TB411'; END IF;
    IF n.status IN ('published', 'accepted') THEN RAISE EXCEPTION 'already taken' USING ERRCODE = 'TB412'; END IF;
    RAISE EXCEPTION 'no longer open' USING ERRCODE = 'TB409';
  END IF;
  v_result := json_build_object('needId', p_need, 'status', 'accepted');
  INSERT INTO operation (key, kind, result, created_at) VALUES (p_key, 'need.accept', v_result::text, now() AT TIME ZONE 'UTC');
  RETURN json_build_object('result', v_result);
END $$;
