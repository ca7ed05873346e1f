-- expect: expand
-- CREATE OR REPLACE VIEW may only append columns.
CREATE OR REPLACE VIEW customer_orders AS
    SELECT c.id, c.email, count(o.id) AS orders, sum(o.total) AS spent FROM customers c LEFT JOIN orders o ON o.customer_id = c.id GROUP BY c.id, c.email;
