-- Where the provider's answer differed from what was asked (an expiry in the past or other
-- than the one asked for, other scopes): one sentence each, as a JSON array; NULL when the
-- answer matched or the key was imported. Never holds a secret.
ALTER TABLE keys ADD COLUMN answer_notes TEXT;
