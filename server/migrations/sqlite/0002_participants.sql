-- Bots and the system write in conversations too; conversations can be
-- assigned to an agent and closed.
CREATE TABLE messages_new (
    conversation_id INTEGER NOT NULL REFERENCES conversations(id),
    seq             INTEGER NOT NULL,
    client_id       TEXT NOT NULL,
    author_kind     TEXT NOT NULL CHECK (author_kind IN ('visitor', 'agent', 'bot', 'system')),
    agent_id        INTEGER REFERENCES agents(id),
    author_name     TEXT,
    text            TEXT NOT NULL,
    sent_at         INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, seq),
    UNIQUE (conversation_id, client_id)
) WITHOUT ROWID;
INSERT INTO messages_new SELECT conversation_id, seq, client_id, author_kind, agent_id,
    author_name, text, sent_at FROM messages;
DROP TABLE messages;
ALTER TABLE messages_new RENAME TO messages;

ALTER TABLE conversations ADD COLUMN assigned_agent_id INTEGER REFERENCES agents(id);
ALTER TABLE conversations ADD COLUMN closed_at INTEGER;
