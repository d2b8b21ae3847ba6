-- Canned replies per site and language, typed as /shortcut in the console.
CREATE TABLE canned (
    id         INTEGER PRIMARY KEY,
    site_id    TEXT NOT NULL REFERENCES sites(id),
    lang       TEXT NOT NULL,
    shortcut   TEXT NOT NULL,
    text       TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (site_id, lang, shortcut)
);
