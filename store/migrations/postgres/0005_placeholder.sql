-- Placeholder so this branch (support, 0006) migrates without a gap: 0005 belongs
-- to the service directory branch. Drop this file when merging that branch.
SELECT 1;
