-- expect: contract
ALTER TABLE audit_log RENAME TO events;
