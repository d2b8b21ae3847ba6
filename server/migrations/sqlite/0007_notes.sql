-- Private notes agents keep in a conversation. Not messages: they take no
-- seq, and nothing that visitors read selects from this table.
CREATE TABLE notes (
    conversation_id INTEGER NOT NULL REFERENCES conversations(id),
    client_id       TEXT NOT NULL,
    agent_id        INTEGER NOT NULL REFERENCES agents(id),
    author_name     TEXT NOT NULL,
    text            TEXT NOT NULL,
    at              INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, client_id)
) WITHOUT ROWID;
