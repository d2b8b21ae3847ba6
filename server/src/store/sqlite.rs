//! The embedded backend: one SQLite file in WAL mode.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{FromRow, Row};
use warmline_shared::{Author, ChatMessage, ConversationId, ConversationSummary, Seq};

use super::{
    Agent, AgentCredentials, Appended, Conversation, NewMessage, Result, Role, Site, Store, Visitor,
};

pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    pub async fn connect(url: &str) -> Result<Self> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: a message is acknowledged only once it would survive a
            // power cut, not merely a crash of the relay.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations").run(&pool).await?;
        Ok(Self { pool })
    }
}

#[derive(FromRow)]
struct AgentRow {
    id: i64,
    site_id: String,
    email: String,
    name: String,
}

impl From<AgentRow> for Agent {
    fn from(row: AgentRow) -> Self {
        Agent {
            id: row.id,
            site_id: row.site_id,
            email: row.email,
            name: row.name,
        }
    }
}

#[derive(FromRow)]
struct MessageRow {
    conversation_id: i64,
    seq: i64,
    client_id: String,
    author_kind: String,
    author_name: Option<String>,
    text: String,
    sent_at: i64,
}

impl From<MessageRow> for ChatMessage {
    fn from(row: MessageRow) -> Self {
        let author = match row.author_kind.as_str() {
            "agent" => Author::Agent {
                name: row.author_name.unwrap_or_default(),
            },
            _ => Author::Visitor,
        };
        ChatMessage {
            conversation_id: row.conversation_id,
            seq: row.seq,
            client_id: row.client_id,
            author,
            text: row.text,
            sent_at: row.sent_at,
        }
    }
}

#[derive(FromRow)]
struct SummaryRow {
    id: i64,
    site_id: String,
    visitor_id: i64,
    visitor_name: Option<String>,
    page: Option<String>,
    last_seq: i64,
    last_text: Option<String>,
    updated_at: i64,
}

impl SummaryRow {
    fn summary(&self) -> ConversationSummary {
        ConversationSummary {
            id: self.id,
            visitor: self
                .visitor_name
                .clone()
                .unwrap_or_else(|| format!("Visitor {}", self.visitor_id)),
            page: self.page.clone(),
            last_seq: self.last_seq,
            last_text: self.last_text.clone(),
            updated_at: self.updated_at,
        }
    }
}

const SUMMARY_SELECT: &str = "SELECT c.id, c.site_id, c.visitor_id, v.name AS visitor_name, c.page, \
     c.last_seq, c.last_text, c.updated_at FROM conversations c JOIN visitors v ON v.id = c.visitor_id";

const MESSAGE_SELECT: &str = "SELECT conversation_id, seq, client_id, author_kind, author_name, \
     text, sent_at FROM messages";

#[async_trait]
impl Store for SqliteStore {
    async fn upsert_site(&self, site: &Site, now: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO sites (id, name, allowed_origins, created_at) VALUES (?, ?, ?, ?) \
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, \
             allowed_origins = excluded.allowed_origins",
        )
        .bind(&site.id)
        .bind(&site.name)
        .bind(site.allowed_origins.join(" "))
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn site(&self, id: &str) -> Result<Option<Site>> {
        let row = sqlx::query("SELECT id, name, allowed_origins FROM sites WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|row| Site {
            id: row.get("id"),
            name: row.get("name"),
            allowed_origins: row
                .get::<String, _>("allowed_origins")
                .split_whitespace()
                .map(str::to_owned)
                .collect(),
        }))
    }

    async fn upsert_agent(
        &self,
        site_id: &str,
        email: &str,
        name: &str,
        role: Role,
        password_hash: &str,
        now: i64,
    ) -> Result<Agent> {
        let row: AgentRow = sqlx::query_as(
            "INSERT INTO agents (site_id, email, name, password_hash, role, created_at) \
             VALUES (?, ?, ?, ?, ?, ?) \
             ON CONFLICT (email) DO UPDATE SET name = excluded.name, \
             password_hash = excluded.password_hash, role = excluded.role \
             RETURNING id, site_id, email, name",
        )
        .bind(site_id)
        .bind(email)
        .bind(name)
        .bind(password_hash)
        .bind(role.as_str())
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.into())
    }

    async fn agent_credentials(&self, email: &str) -> Result<Option<AgentCredentials>> {
        let row = sqlx::query(
            "SELECT id, site_id, email, name, password_hash FROM agents WHERE email = ?",
        )
        .bind(email)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row
            .map(|row| -> sqlx::Result<_> {
                Ok(AgentCredentials {
                    password_hash: row.try_get("password_hash")?,
                    agent: AgentRow::from_row(&row)?.into(),
                })
            })
            .transpose()?)
    }

    async fn create_session(&self, token_hash: &str, agent_id: i64, expires_at: i64) -> Result<()> {
        sqlx::query("INSERT INTO sessions (token_hash, agent_id, expires_at) VALUES (?, ?, ?)")
            .bind(token_hash)
            .bind(agent_id)
            .bind(expires_at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn session_agent(&self, token_hash: &str, now: i64) -> Result<Option<Agent>> {
        let row: Option<AgentRow> = sqlx::query_as(
            "SELECT a.id, a.site_id, a.email, a.name FROM sessions s \
             JOIN agents a ON a.id = s.agent_id WHERE s.token_hash = ? AND s.expires_at > ?",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(Agent::from))
    }

    async fn delete_session(&self, token_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = ?")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn create_visitor(&self, site_id: &str, token_hash: &str, now: i64) -> Result<Visitor> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO visitors (site_id, token_hash, created_at) VALUES (?, ?, ?) RETURNING id",
        )
        .bind(site_id)
        .bind(token_hash)
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        Ok(Visitor {
            id,
            site_id: site_id.to_owned(),
        })
    }

    async fn visitor_by_token(&self, site_id: &str, token_hash: &str) -> Result<Option<Visitor>> {
        let id: Option<i64> =
            sqlx::query_scalar("SELECT id FROM visitors WHERE site_id = ? AND token_hash = ?")
                .bind(site_id)
                .bind(token_hash)
                .fetch_optional(&self.pool)
                .await?;
        Ok(id.map(|id| Visitor {
            id,
            site_id: site_id.to_owned(),
        }))
    }

    async fn open_conversation_of(&self, visitor_id: i64) -> Result<Option<ConversationId>> {
        Ok(sqlx::query_scalar(
            "SELECT id FROM conversations WHERE visitor_id = ? AND status = 'open'",
        )
        .bind(visitor_id)
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn start_conversation(
        &self,
        site_id: &str,
        visitor_id: i64,
        page: Option<&str>,
        now: i64,
    ) -> Result<ConversationId> {
        // The partial unique index keeps one open conversation per visitor, so
        // two tabs racing here both end up in the same one.
        sqlx::query(
            "INSERT INTO conversations (site_id, visitor_id, page, created_at, updated_at) \
             VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        )
        .bind(site_id)
        .bind(visitor_id)
        .bind(page)
        .bind(now)
        .bind(now)
        .execute(&self.pool)
        .await?;
        let id = self.open_conversation_of(visitor_id).await?;
        Ok(id.expect("an open conversation exists after the insert"))
    }

    async fn conversation(&self, id: ConversationId) -> Result<Option<Conversation>> {
        let row: Option<SummaryRow> = sqlx::query_as(&format!("{SUMMARY_SELECT} WHERE c.id = ?"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|row| Conversation {
            summary: row.summary(),
            site_id: row.site_id,
            visitor_id: row.visitor_id,
        }))
    }

    async fn open_conversations(
        &self,
        site_id: &str,
        limit: i64,
    ) -> Result<Vec<ConversationSummary>> {
        let rows: Vec<SummaryRow> = sqlx::query_as(&format!(
            "{SUMMARY_SELECT} WHERE c.site_id = ? AND c.status = 'open' \
             ORDER BY c.updated_at DESC, c.id DESC LIMIT ?"
        ))
        .bind(site_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(SummaryRow::summary).collect())
    }

    async fn append(&self, new: NewMessage<'_>) -> Result<Appended> {
        let (kind, name) = match new.author {
            Author::Visitor => ("visitor", None),
            Author::Agent { name } => ("agent", Some(name.as_str())),
        };
        let mut tx = self.pool.begin().await?;
        // Bumping the counter first takes SQLite's write lock at once, so
        // concurrent appends queue here instead of failing to upgrade a read lock.
        let seq: i64 = sqlx::query_scalar(
            "UPDATE conversations SET last_seq = last_seq + 1, last_text = ?, updated_at = ? \
             WHERE id = ? RETURNING last_seq",
        )
        .bind(new.text)
        .bind(new.sent_at)
        .bind(new.conversation_id)
        .fetch_one(&mut *tx)
        .await?;
        let inserted = sqlx::query(
            "INSERT INTO messages (conversation_id, seq, client_id, author_kind, agent_id, \
             author_name, text, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) \
             ON CONFLICT (conversation_id, client_id) DO NOTHING",
        )
        .bind(new.conversation_id)
        .bind(seq)
        .bind(new.client_id)
        .bind(kind)
        .bind(new.agent_id)
        .bind(name)
        .bind(new.text)
        .bind(new.sent_at)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if inserted {
            tx.commit().await?;
            let message = ChatMessage {
                conversation_id: new.conversation_id,
                seq,
                client_id: new.client_id.to_owned(),
                author: new.author.clone(),
                text: new.text.to_owned(),
                sent_at: new.sent_at,
            };
            return Ok(Appended { message, new: true });
        }
        // A resend: undo the counter bump and answer with what is stored.
        tx.rollback().await?;
        let row: MessageRow = sqlx::query_as(&format!(
            "{MESSAGE_SELECT} WHERE conversation_id = ? AND client_id = ?"
        ))
        .bind(new.conversation_id)
        .bind(new.client_id)
        .fetch_one(&self.pool)
        .await?;
        Ok(Appended {
            message: row.into(),
            new: false,
        })
    }

    async fn messages_after(
        &self,
        conversation_id: ConversationId,
        after: Seq,
        limit: i64,
    ) -> Result<Vec<ChatMessage>> {
        let rows: Vec<MessageRow> = sqlx::query_as(&format!(
            "{MESSAGE_SELECT} WHERE conversation_id = ? AND seq > ? ORDER BY seq LIMIT ?"
        ))
        .bind(conversation_id)
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(ChatMessage::from).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn store() -> (tempfile::TempDir, SqliteStore) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("test.db").display());
        let store = SqliteStore::connect(&url).await.unwrap();
        store
            .upsert_site(
                &Site {
                    id: "s".into(),
                    name: "S".into(),
                    allowed_origins: vec!["*".into()],
                },
                0,
            )
            .await
            .unwrap();
        (dir, store)
    }

    fn visitor_message<'a>(
        conversation_id: i64,
        client_id: &'a str,
        text: &'a str,
    ) -> NewMessage<'a> {
        NewMessage {
            conversation_id,
            client_id,
            author: &Author::Visitor,
            agent_id: None,
            text,
            sent_at: 1,
        }
    }

    #[tokio::test]
    async fn sequence_numbers_count_per_conversation_and_resends_are_stored_once() {
        let (_dir, store) = store().await;
        let a = store.create_visitor("s", "ha", 0).await.unwrap();
        let b = store.create_visitor("s", "hb", 0).await.unwrap();
        let ca = store.start_conversation("s", a.id, None, 0).await.unwrap();
        let cb = store.start_conversation("s", b.id, None, 0).await.unwrap();
        assert_eq!(
            store.start_conversation("s", a.id, None, 0).await.unwrap(),
            ca
        );

        let first = store.append(visitor_message(ca, "1", "one")).await.unwrap();
        let other = store.append(visitor_message(cb, "1", "uno")).await.unwrap();
        let second = store.append(visitor_message(ca, "2", "two")).await.unwrap();
        let again = store.append(visitor_message(ca, "1", "one")).await.unwrap();
        assert_eq!((first.message.seq, first.new), (1, true));
        assert_eq!((other.message.seq, other.new), (1, true));
        assert_eq!(second.message.seq, 2);
        assert_eq!(
            again,
            Appended {
                message: first.message,
                new: false
            }
        );

        let after_one = store.messages_after(ca, 1, 100).await.unwrap();
        assert_eq!(after_one.len(), 1);
        assert_eq!(after_one[0].text, "two");
        let summary = store.conversation(ca).await.unwrap().unwrap().summary;
        assert_eq!(
            (summary.last_seq, summary.last_text.as_deref()),
            (2, Some("two"))
        );
    }
}
