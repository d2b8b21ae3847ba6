-- Wrong or throttled sign-in attempts since the agent last signed in, to
-- tell them at their next sign-in.
ALTER TABLE agents ADD COLUMN failed_sign_ins INTEGER NOT NULL DEFAULT 0;
