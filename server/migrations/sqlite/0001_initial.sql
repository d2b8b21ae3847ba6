-- Sites that embed the widget. allowed_origins: space-separated origins, '*' for any.
CREATE TABLE sites (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    allowed_origins TEXT NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL
);

CREATE TABLE agents (
    id            INTEGER PRIMARY KEY,
    site_id       TEXT NOT NULL REFERENCES sites(id),
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('owner', 'agent')),
    created_at    INTEGER NOT NULL
);

-- Only a hash of the cookie value is kept, so a copy of the database signs nobody in.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    agent_id   INTEGER NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    expires_at INTEGER NOT NULL
);

CREATE TABLE visitors (
    id         INTEGER PRIMARY KEY,
    site_id    TEXT NOT NULL REFERENCES sites(id),
    token_hash TEXT NOT NULL UNIQUE,
    name       TEXT,
    created_at INTEGER NOT NULL
);

CREATE TABLE conversations (
    id         INTEGER PRIMARY KEY,
    site_id    TEXT NOT NULL REFERENCES sites(id),
    visitor_id INTEGER NOT NULL REFERENCES visitors(id),
    status     TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    page       TEXT,
    last_seq   INTEGER NOT NULL DEFAULT 0,
    last_text  TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX conversations_inbox ON conversations (site_id, status, updated_at DESC);
CREATE UNIQUE INDEX conversations_one_open_per_visitor ON conversations (visitor_id) WHERE status = 'open';

-- (conversation_id, seq) orders a conversation; (conversation_id, client_id)
-- makes a resend after a lost ack a no-op.
CREATE TABLE messages (
    conversation_id INTEGER NOT NULL REFERENCES conversations(id),
    seq             INTEGER NOT NULL,
    client_id       TEXT NOT NULL,
    author_kind     TEXT NOT NULL CHECK (author_kind IN ('visitor', 'agent')),
    agent_id        INTEGER REFERENCES agents(id),
    author_name     TEXT,
    text            TEXT NOT NULL,
    sent_at         INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, seq),
    UNIQUE (conversation_id, client_id)
) WITHOUT ROWID;
