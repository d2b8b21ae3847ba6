-- Files for articles (videos, posters, captions); the bytes live under the
-- data directory by hash, shared by every article and site that uses them.
CREATE TABLE kb_media (
    site_id    TEXT NOT NULL REFERENCES sites(id),
    sha256     TEXT NOT NULL,
    mime       TEXT NOT NULL,
    size       INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (site_id, sha256)
);

-- One article in one language; translations share the slug.
CREATE TABLE kb_articles (
    id         INTEGER PRIMARY KEY,
    site_id    TEXT NOT NULL REFERENCES sites(id),
    slug       TEXT NOT NULL,
    lang       TEXT NOT NULL,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    category   TEXT NOT NULL DEFAULT '',
    -- JSON arrays of strings.
    tags       TEXT NOT NULL DEFAULT '[]',
    related    TEXT NOT NULL DEFAULT '[]',
    published  INTEGER NOT NULL DEFAULT 0,
    position   INTEGER NOT NULL DEFAULT 0,
    -- JSON of the video (file hashes or a YouTube/Vimeo id), or NULL.
    video      TEXT,
    views      INTEGER NOT NULL DEFAULT 0,
    helpful    INTEGER NOT NULL DEFAULT 0,
    unhelpful  INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL,
    UNIQUE (site_id, lang, slug)
);

-- Searches and questions that found no article, folded, with a count.
CREATE TABLE kb_misses (
    site_id TEXT NOT NULL REFERENCES sites(id),
    lang    TEXT NOT NULL,
    folded  TEXT NOT NULL,
    query   TEXT NOT NULL,
    count   INTEGER NOT NULL DEFAULT 1,
    last_at INTEGER NOT NULL,
    PRIMARY KEY (site_id, lang, folded)
);

-- Articles a message points to (the bot's suggestions, or the article a
-- visitor read before asking for a person): JSON [{id, title}].
ALTER TABLE messages ADD COLUMN articles TEXT;
-- The visitor asked for a person with this message.
ALTER TABLE messages ADD COLUMN wants_person INTEGER NOT NULL DEFAULT 0;
