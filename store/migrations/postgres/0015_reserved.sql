-- Reserved: another helper adds migration 0015 on its own branch; this
-- placeholder only keeps the numbers without a gap until both are merged.
-- The lead drops this file when the real 0015 arrives.
SELECT 1;
