-- Choices an agent offers with a message (JSON array), and a visitor's pick:
-- the seq of the message whose choices it answers, one pick per offer.
ALTER TABLE messages ADD COLUMN options TEXT;
ALTER TABLE messages ADD COLUMN picked INTEGER;
CREATE UNIQUE INDEX messages_one_pick ON messages (conversation_id, picked)
    WHERE picked IS NOT NULL;

-- A visitor's rating of a closed conversation, the thank-you they were
-- given (JSON, as the site's reward was then) and the owner's answer.
CREATE TABLE feedback (
    conversation_id INTEGER PRIMARY KEY REFERENCES conversations(id),
    site_id         TEXT NOT NULL REFERENCES sites(id),
    rating          INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    comment         TEXT NOT NULL DEFAULT '',
    reward          TEXT,
    created_at      INTEGER NOT NULL,
    answer          TEXT,
    answered_at     INTEGER
);
CREATE INDEX feedback_by_site ON feedback (site_id, created_at DESC);

-- What the widget reports for the context panel (JSON of `Collect`), and
-- the thank-you for feedback (JSON of `Reward`, NULL for none).
ALTER TABLE sites ADD COLUMN context TEXT NOT NULL DEFAULT '{}';
ALTER TABLE sites ADD COLUMN reward TEXT;

-- The visitor's latest visit as the widget reported it (JSON): pages,
-- referrer, time zone, articles opened, device and browser.
ALTER TABLE visitors ADD COLUMN visit TEXT;
