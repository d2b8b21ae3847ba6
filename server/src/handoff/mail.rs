//! Emailing agents' replies to visitors who left a message with their
//! address (see `handoff::triage`). The reply is stored and shown in the
//! widget whatever happens here; the email is a courtesy, sent once per
//! reply by the relay that stored it, and a failure is logged.

use futures::StreamExt;
use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use warmline_shared::{Author, ChatMessage, SiteId};

use crate::events::Event;
use crate::state::AppState;

/// How emails leave the relay.
#[derive(Clone)]
pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// Written as `.eml` files into a folder instead (for trying Warmline
    /// out without a mail server).
    Files(AsyncFileTransport<Tokio1Executor>),
}

/// The transport a `smtp://` or `smtps://` URL names.
pub fn transport(url: &str) -> Result<Transport, lettre::transport::smtp::Error> {
    Ok(Transport::Smtp(
        AsyncSmtpTransport::<Tokio1Executor>::from_url(url)?.build(),
    ))
}

/// Where replies are emailed through, and who they come from.
#[derive(Clone)]
pub struct Mailer {
    pub transport: Transport,
    pub from: Mailbox,
}

/// Runs until the relay shuts down.
pub async fn run(state: AppState, mailer: Mailer) {
    let mut events = state.events.listen();
    loop {
        let item = tokio::select! {
            _ = state.shutdown.cancelled() => return,
            item = events.next() => item,
        };
        let Some(item) = item else { return };
        // A lagged listener cannot know which replies it missed; they are
        // still in the widget.
        let Ok(event) = item else {
            tracing::warn!("some replies may not have been emailed (events lagged)");
            continue;
        };
        if let Event::MessageStored { site_id, message } = &*event
            && matches!(message.author, Author::Agent { .. })
            && let Err(e) = send(&state, &mailer, site_id, message).await
        {
            tracing::warn!(error = %e, conversation = %message.conversation_id, "a reply could not be emailed");
        }
    }
}

async fn send(
    state: &AppState,
    mailer: &Mailer,
    site_id: &SiteId,
    message: &ChatMessage,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let store = &state.store;
    let Some(conversation) = store.conversation(message.conversation_id).await? else {
        return Ok(());
    };
    if !conversation.email_replies {
        return Ok(());
    }
    let Some(email) = store.visitor_email(conversation.visitor_id).await? else {
        return Ok(());
    };
    let Some(site) = store.site(site_id).await? else {
        return Ok(());
    };
    let Author::Agent { name: agent } = &message.author else {
        return Ok(());
    };
    let lang = &conversation.summary.lang;
    let word = |key: &str| {
        state
            .locales
            .word(lang, key)
            .replace("{site}", &site.name)
            .replace("{agent}", agent)
    };
    let mut body = format!("{}\n\n{}\n", word("bot_email_intro"), message.text);
    if let Some(page) = &conversation.summary.page {
        body.push_str(&format!("\n{}\n{page}\n", word("bot_email_more")));
    }
    let to = Mailbox::new(Some(conversation.summary.visitor.clone()), email.parse()?);
    let email = Message::builder()
        .from(mailer.from.clone())
        .to(to)
        .subject(word("bot_email_subject"))
        .header(ContentType::TEXT_PLAIN)
        .body(body)?;
    match &mailer.transport {
        Transport::Smtp(smtp) => drop(smtp.send(email).await?),
        Transport::Files(files) => drop(files.send(email).await?),
    }
    Ok(())
}
