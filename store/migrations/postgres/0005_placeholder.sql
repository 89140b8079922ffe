-- TEMPORARY placeholder so migrations number 1..n in this branch; drop on merge (0005 is another helper's).
SELECT 1;
