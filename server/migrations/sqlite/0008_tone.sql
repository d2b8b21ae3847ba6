-- The tone guard, per agent and site: warnings shown in the console, and
-- replies sent with a warning still standing (the agent sent it anyway).
CREATE TABLE tone_counts (
    agent_id   INTEGER NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    site_id    TEXT NOT NULL REFERENCES sites(id),
    shown      INTEGER NOT NULL DEFAULT 0,
    overridden INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (agent_id, site_id)
);
