-- expect: contract
DROP VIEW customer_orders;
