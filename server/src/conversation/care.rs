//! A visitor's pick among an agent's choices, and their rating of a closed
//! conversation.

use warmline_shared::care::{Feedback, MAX_COMMENT_CHARS, Reward};
use warmline_shared::{ConversationId, ErrorCode, Seq, validate_text};

use super::{Conversations, DomainError, NewPost, Participant, Posted, Result};
use crate::events::Change;
use crate::state::now_ms;
use crate::store::{Status, Visitor};

impl Conversations {
    /// Stores the visitor's pick of choice `option` of the agent's message
    /// `seq`, as their message in the choice's words. One pick per offer; a
    /// resend of the same `client_id` is acknowledged again.
    pub async fn pick(
        &self,
        visitor: &Visitor,
        id: ConversationId,
        client_id: String,
        seq: Seq,
        option: u32,
    ) -> Result<Posted> {
        let offer = self.store.message_at(id, seq).await?;
        let visible = self
            .visible_to(&Participant::Visitor(visitor.clone()), id)
            .await
            .is_ok();
        let Some(offer) = offer.filter(|_| visible) else {
            return Err(DomainError::UnknownConversation);
        };
        let Some(choice) = offer.options.get(option as usize) else {
            return Err(DomainError::Invalid(ErrorCode::BadOptions));
        };
        let post = NewPost {
            conversation_id: id,
            client_id,
            text: choice.clone(),
            author: Participant::Visitor(visitor.clone()),
            attachment: None,
            articles: Vec::new(),
            wants_person: false,
            options: Vec::new(),
            picked: Some(seq),
        };
        match self.post(post).await {
            // The store keeps one pick per offer: another one was there first.
            Err(DomainError::UnknownConversation) if self.store.is_picked(id, seq).await? => {
                Err(DomainError::AlreadyAnswered)
            }
            other => other,
        }
    }

    /// Stores the visitor's rating (1–5) and comment on their closed
    /// conversation, with the site's thank-you as it is now, and tells the
    /// agents. Rated once.
    pub async fn rate(
        &self,
        visitor: &Visitor,
        id: ConversationId,
        rating: u8,
        comment: &str,
        reward: Option<Reward>,
    ) -> Result<Feedback> {
        if !(1..=5).contains(&rating) {
            return Err(DomainError::Invalid(ErrorCode::Malformed));
        }
        let comment = match validate_text(comment) {
            Ok(text) if text.chars().count() > MAX_COMMENT_CHARS => {
                return Err(DomainError::Invalid(ErrorCode::TooLarge));
            }
            Ok(text) => text.to_owned(),
            Err(_) => String::new(),
        };
        let conversation = self
            .visible_to(&Participant::Visitor(visitor.clone()), id)
            .await?;
        if conversation.status != Status::Closed {
            // Feedback is asked once the conversation is over.
            return Err(DomainError::Invalid(ErrorCode::Malformed));
        }
        let feedback = Feedback {
            conversation_id: id,
            rating,
            comment,
            at: now_ms(),
            reward,
            answer: None,
        };
        if !self.store.rate(&conversation.site_id, &feedback).await? {
            return Err(DomainError::AlreadyAnswered);
        }
        if let Some(rated) = self.store.conversation(id).await? {
            self.changed(&rated, Change::Rated).await;
        }
        Ok(feedback)
    }
}
