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

