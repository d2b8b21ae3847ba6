//! Visitor identities a host site vouches for. The site's server computes
//! `user_hash` = lowercase hex HMAC-SHA256(site secret, user_id) and puts it in
//! the page; only with a matching hash do `user_id`, `name` and `email` count.
//! The secret never leaves the relay and the site's server.

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Longest `user_id` accepted, in bytes.
pub const MAX_USER_ID_BYTES: usize = 200;

/// Whether `user_hash` proves `user_id` under `secret`. The comparison takes
/// the same time wherever the hashes differ.
pub fn verify(secret: &str, user_id: &str, user_hash: &str) -> bool {
    let lowercase_hex = user_hash.len() == 64
        && user_hash
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    let Some(claimed) = lowercase_hex.then(|| hex::decode(user_hash).ok()).flatten() else {
        return false;
    };
    mac(secret, user_id).verify_slice(&claimed).is_ok()
}

/// The hash a site's server computes for `user_id` (the demo page's "server"
/// and the tests use it).
pub fn hash(secret: &str, user_id: &str) -> String {
    hex::encode(mac(secret, user_id).finalize().into_bytes())
}

fn mac(secret: &str, user_id: &str) -> HmacSha256 {
    let mut mac =
        HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(user_id.as_bytes());
    mac
}

/// A fresh secret: 32 random bytes as hex.
pub fn new_secret() -> String {
    crate::auth::new_token()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_reference_hmac() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        assert_eq!(
            hash("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn only_the_right_hash_for_the_right_user_verifies() {
        let good = hash("s3cret", "user-42");
        assert!(verify("s3cret", "user-42", &good));
        assert!(!verify("s3cret", "user-43", &good));
        assert!(!verify("other", "user-42", &good));
        assert!(!verify("s3cret", "user-42", &good.to_uppercase()));
        assert!(!verify("s3cret", "user-42", &good[..63]));
        assert!(!verify("s3cret", "user-42", ""));
        assert!(!verify("s3cret", "user-42", &"z".repeat(64)));
    }
}
