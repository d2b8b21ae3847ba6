//! The knowledge base's logic, free of storage and HTTP so the relay, the
//! `warmline kb import` command and the search benchmark share it:
//! article files with front matter ([`file`]), Markdown rendered to HTML that
//! is safe to show on any page ([`markdown`]), video embeds built from
//! validated ids ([`video`]), and the in-memory search index ([`search`])
//! that finds articles as visitors type, in English, Georgian and Armenian.

pub mod file;
pub mod fold;
pub mod markdown;
pub mod search;
pub mod video;
