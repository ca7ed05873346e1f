-- expect: contract
ALTER TABLE customers ADD CONSTRAINT customers_age_check CHECK (age >= 18);
