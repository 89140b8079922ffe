-- Where and how it happened (issue 15, part 4): how the referral came, whether
-- the trafficking was within the country, across borders or online (and on
-- what kind of platform), the places of recruitment and exploitation (a
-- country, and a region at home), and the forms of exploitation the referrer
-- suspected, which chose the indicators asked. Codes only, in clear like
-- met_region: the statistics count them, and they identify no one.
ALTER TABLE referrals ADD COLUMN channel TEXT NOT NULL DEFAULT '';
ALTER TABLE referrals ADD COLUMN scope TEXT NOT NULL DEFAULT '';
ALTER TABLE referrals ADD COLUMN online_platform TEXT NOT NULL DEFAULT '';
ALTER TABLE referrals ADD COLUMN recruit_country TEXT NOT NULL DEFAULT '';
ALTER TABLE referrals ADD COLUMN recruit_region TEXT NOT NULL DEFAULT '';
ALTER TABLE referrals ADD COLUMN exploit_country TEXT NOT NULL DEFAULT '';
ALTER TABLE referrals ADD COLUMN exploit_region TEXT NOT NULL DEFAULT '';
ALTER TABLE referrals ADD COLUMN suspected_forms TEXT NOT NULL DEFAULT '';
