//! The relay's REST bodies, declared once for the relay and the console.

use serde::{Deserialize, Serialize};

/// `POST /api/agent/login`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignIn {
    pub email: String,
    pub password: String,
}

/// The signed-in person: `GET /api/agent/me`, and the answer to a sign-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub name: String,
    pub email: String,
    /// In the answer to a sign-in: how many wrong or throttled attempts were
    /// made on this account since its last sign-in, so its owner notices
    /// someone guessing.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub failed_sign_ins: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// Every refused REST request answers with this body: a sentence for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    pub error: String,
}
