-- Visitors blocked for abuse: the visitor (every browser of theirs) until an
-- owner lifts it, and their network address until `address_until`.
ALTER TABLE visitors ADD COLUMN address TEXT;
CREATE TABLE blocks (
    id            INTEGER PRIMARY KEY,
    site_id       TEXT NOT NULL REFERENCES sites(id),
    visitor_id    INTEGER NOT NULL REFERENCES visitors(id),
    address       TEXT,
    address_until INTEGER NOT NULL,
    reason        TEXT NOT NULL,
    agent_id      INTEGER REFERENCES agents(id),
    created_at    INTEGER NOT NULL,
    lifted_at     INTEGER
);
CREATE INDEX blocks_active ON blocks (site_id) WHERE lifted_at IS NULL;
