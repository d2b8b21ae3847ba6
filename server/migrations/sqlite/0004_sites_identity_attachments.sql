-- What an owner sets for their site's widget.
ALTER TABLE sites ADD COLUMN accent TEXT NOT NULL DEFAULT '#c2410c';
ALTER TABLE sites ADD COLUMN launcher_position TEXT NOT NULL DEFAULT 'right'
    CHECK (launcher_position IN ('left', 'right'));
ALTER TABLE sites ADD COLUMN launcher_label TEXT;
-- JSON: {"<lang>": {"greeting_morning": "...", ...}}, overriding the catalogue.
ALTER TABLE sites ADD COLUMN greetings TEXT NOT NULL DEFAULT '{}';
-- The HMAC key for visitor identities; NULL: identities are never verified.
ALTER TABLE sites ADD COLUMN identity_secret TEXT;
ALTER TABLE sites ADD COLUMN attachment_max_bytes INTEGER NOT NULL DEFAULT 10485760;

-- People work on one or more sites, with a role on each. agents.site_id and
-- agents.role stay as the site an account was made for.
CREATE TABLE memberships (
    agent_id INTEGER NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    site_id  TEXT NOT NULL REFERENCES sites(id),
    role     TEXT NOT NULL CHECK (role IN ('owner', 'agent')),
    PRIMARY KEY (agent_id, site_id)
);
INSERT INTO memberships (agent_id, site_id, role) SELECT id, site_id, role FROM agents;
-- The site a signed-in session is working on.
ALTER TABLE sessions ADD COLUMN site_id TEXT REFERENCES sites(id);
UPDATE sessions SET site_id = (SELECT site_id FROM agents WHERE agents.id = sessions.agent_id);

-- A visitor can hold several tokens: a verified visitor gets one per browser.
-- visitors.token_hash stays as the first one issued.
CREATE TABLE visitor_tokens (
    token_hash TEXT PRIMARY KEY,
    visitor_id INTEGER NOT NULL REFERENCES visitors(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL
);
INSERT INTO visitor_tokens (token_hash, visitor_id, created_at)
    SELECT token_hash, id, created_at FROM visitors;

-- name_source: none, given (typed into the widget), unverified (claimed by
-- the host page without a valid hash), verified.
ALTER TABLE visitors ADD COLUMN name_source TEXT NOT NULL DEFAULT 'none'
    CHECK (name_source IN ('none', 'given', 'unverified', 'verified'));
UPDATE visitors SET name_source = 'given' WHERE name IS NOT NULL;
ALTER TABLE visitors ADD COLUMN user_id TEXT;
ALTER TABLE visitors ADD COLUMN email TEXT;
CREATE UNIQUE INDEX visitors_by_user ON visitors (site_id, user_id) WHERE user_id IS NOT NULL;

-- Files visitors send; the bytes live under the data directory by hash.
CREATE TABLE attachments (
    id              TEXT PRIMARY KEY,
    site_id         TEXT NOT NULL REFERENCES sites(id),
    visitor_id      INTEGER NOT NULL REFERENCES visitors(id),
    name            TEXT NOT NULL,
    mime            TEXT NOT NULL,
    size            INTEGER NOT NULL,
    sha256          TEXT NOT NULL,
    created_at      INTEGER NOT NULL
);
ALTER TABLE messages ADD COLUMN attachment_id TEXT REFERENCES attachments(id);
