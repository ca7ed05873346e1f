-- expect: expand
-- Same signature and result, new body.
CREATE OR REPLACE FUNCTION order_total(cid int) RETURNS numeric LANGUAGE sql STABLE
    AS $$ SELECT coalesce(sum(total), 0) FROM orders WHERE customer_id = cid AND status <> 'cancelled' $$;
