-- expect: contract
CREATE UNIQUE INDEX customers_phone_key ON customers (phone);
