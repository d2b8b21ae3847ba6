-- The handoff: bot → waiting (in the queue) → assigned → closed.
-- status stays 'open' until the state is 'closed', so the one-open-conversation
-- index keeps working.
ALTER TABLE conversations ADD COLUMN state TEXT NOT NULL DEFAULT 'bot'
    CHECK (state IN ('bot', 'waiting', 'assigned', 'closed'));
-- Before handoffs existed every open conversation was in the shared inbox.
UPDATE conversations SET state = CASE
    WHEN status = 'closed' THEN 'closed'
    WHEN assigned_agent_id IS NOT NULL THEN 'assigned'
    ELSE 'waiting' END;
-- The language the visitor's widget speaks (for the relay's own words).
ALTER TABLE conversations ADD COLUMN lang TEXT NOT NULL DEFAULT 'en';
ALTER TABLE conversations ADD COLUMN handoff_reason TEXT;
-- When it last entered the queue, and when an agent last took it.
ALTER TABLE conversations ADD COLUMN waiting_since INTEGER;
ALTER TABLE conversations ADD COLUMN assigned_at INTEGER;
UPDATE conversations SET waiting_since = updated_at WHERE state = 'waiting';
-- JSON: {"score": n, "signals": [...]}; tier orders the queue.
ALTER TABLE conversations ADD COLUMN frustration TEXT NOT NULL DEFAULT '{"score":0}';
ALTER TABLE conversations ADD COLUMN tier INTEGER NOT NULL DEFAULT 0;
-- The agent a waiting conversation is offered to, until when.
ALTER TABLE conversations ADD COLUMN offered_to INTEGER REFERENCES agents(id);
ALTER TABLE conversations ADD COLUMN offer_expires_at INTEGER;
-- The last transfer's note (agents only), the resolution tag, who closed it.
ALTER TABLE conversations ADD COLUMN note TEXT;
ALTER TABLE conversations ADD COLUMN resolution TEXT;
ALTER TABLE conversations ADD COLUMN closed_by TEXT;
-- The visitor left a message with their email: agents' replies are emailed.
ALTER TABLE conversations ADD COLUMN email_replies INTEGER NOT NULL DEFAULT 0;
CREATE INDEX conversations_queue ON conversations (site_id, state, tier DESC, waiting_since);
CREATE INDEX conversations_offers ON conversations (offer_expires_at) WHERE offered_to IS NOT NULL;

-- Every change of state, with its reason, for the history and for reports.
-- kind: handed_off, offered, declined, expired, assigned, transferred, closed.
CREATE TABLE conversation_events (
    id              INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id),
    at              INTEGER NOT NULL,
    kind            TEXT NOT NULL,
    reason          TEXT,
    -- The agent concerned: offered to, declined by, assigned to, ...
    agent_id        INTEGER REFERENCES agents(id),
    -- Who did it when not that agent (a transfer's sender), or a note.
    detail          TEXT
);
CREATE INDEX conversation_events_by_conversation ON conversation_events (conversation_id, id);

-- Whether each person takes chats on each of their sites.
CREATE TABLE availability (
    agent_id        INTEGER NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    site_id         TEXT NOT NULL REFERENCES sites(id),
    availability    TEXT NOT NULL DEFAULT 'offline'
        CHECK (availability IN ('online', 'away', 'offline')),
    capacity        INTEGER NOT NULL DEFAULT 3,
    -- Set away by the relay when their last console closed, not by them.
    auto_away       INTEGER NOT NULL DEFAULT 0,
    last_offered_at INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (agent_id, site_id)
);

-- JSON: the site's handoff settings (straight to a person, offer time,
-- sensitive topics, business hours).
ALTER TABLE sites ADD COLUMN handoff TEXT NOT NULL DEFAULT '{}';
