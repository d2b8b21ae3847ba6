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
}

/// Every refused REST request answers with this body: a sentence for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    pub error: String,
}
