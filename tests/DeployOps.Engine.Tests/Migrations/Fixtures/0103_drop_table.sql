-- expect: contract
DROP TABLE audit_log;
