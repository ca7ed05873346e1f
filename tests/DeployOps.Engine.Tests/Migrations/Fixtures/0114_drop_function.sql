-- expect: contract
DROP FUNCTION order_total(int);
