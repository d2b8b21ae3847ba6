-- Console sockets open per relay, so that every relay behind one database
-- knows who is at a console. Each relay counts its own under its own id and
-- vouches for them by refreshing seen_at; rows of a relay that stopped
-- (it died) stop counting once they are stale.
CREATE TABLE consoles (
    relay    TEXT NOT NULL,
    agent_id INTEGER NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    site_id  TEXT NOT NULL REFERENCES sites(id),
    open     INTEGER NOT NULL,
    seen_at  INTEGER NOT NULL,
    PRIMARY KEY (relay, agent_id, site_id)
) WITHOUT ROWID;
CREATE INDEX consoles_by_site ON consoles (site_id, agent_id);

-- An agent has one pending offer at a time, whichever relay made it.
CREATE UNIQUE INDEX conversations_one_offer_per_agent ON conversations (offered_to)
    WHERE offered_to IS NOT NULL;
