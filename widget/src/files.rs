//! Files a visitor sends and sees: uploaded to the relay over HTTP with the
//! visitor's token, and fetched the same way to be shown (an `<img>` cannot
//! send a token, so pictures are shown from a `blob:` address).

use leptos::prelude::*;
use warmline_shared::Attachment;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::wire;

/// Why a file did not go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    TooLarge,
    WrongType,
    Failed,
}

impl Refused {
    /// The catalogue key that says so.
    pub fn key(self) -> &'static str {
        match self {
            Self::TooLarge => "file_too_large",
            Self::WrongType => "file_wrong_type",
            Self::Failed => "upload_failed",
        }
    }
}

/// The types the relay accepts, as the browser names them; the relay checks
/// the content itself, this only spares the visitor a pointless upload.
pub const ACCEPTED: &str = "image/png,image/jpeg,image/webp,application/pdf";

/// A request to the relay, with the visitor's token when one is given
/// (without one, and without a body, the browser asks no CORS preflight).
pub async fn fetch(
    url: &str,
    method: &str,
    token: Option<&str>,
    body: Option<&JsValue>,
) -> Option<web_sys::Response> {
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    if let Some(token) = token {
        let headers = web_sys::Headers::new().ok()?;
        headers
            .set("authorization", &["Bearer ", token].concat())
            .ok()?;
        init.set_headers(&headers);
    }
    if let Some(body) = body {
        init.set_body(body);
    }
    let request = web_sys::Request::new_with_str_and_init(url, &init).ok()?;
    let response = JsFuture::from(web_sys::window()?.fetch_with_request(&request))
        .await
        .ok()?;
    response.dyn_into().ok()
}

/// Uploads `file` for the visitor with `token`; what the relay stored.
pub async fn upload(
    relay: &str,
    site: &str,
    token: &str,
    file: &web_sys::File,
) -> Result<Attachment, Refused> {
    let name = String::from(js_sys::encode_uri_component(&file.name()));
    let url = [relay, "/api/attachments?site=", site, "&name=", &name].concat();
    let response = fetch(&url, "POST", Some(token), Some(file))
        .await
        .ok_or(Refused::Failed)?;
    match response.status() {
        200 => {}
        413 => return Err(Refused::TooLarge),
        415 => return Err(Refused::WrongType),
        _ => return Err(Refused::Failed),
    }
    let body = JsFuture::from(response.json().map_err(|_| Refused::Failed)?)
        .await
        .map_err(|_| Refused::Failed)?;
    wire::attachment(&body).ok_or(Refused::Failed)
}

/// Where the page can show `file`: a `blob:` address once fetched.
pub fn url(relay: String, token: String, file: Attachment) -> Signal<String> {
    let url = RwSignal::new(String::new());
    leptos::task::spawn_local(async move {
        let address = [relay.as_str(), "/api/attachments/", &file.id].concat();
        let Some(response) = fetch(&address, "GET", Some(&token), None)
            .await
            .filter(|r| r.ok())
        else {
            return;
        };
        let Ok(blob) = response.blob() else { return };
        if let Ok(blob) = JsFuture::from(blob).await
            && let Ok(blob) = blob.dyn_into::<web_sys::Blob>()
            && let Ok(object) = web_sys::Url::create_object_url_with_blob(&blob)
        {
            url.set(object);
        }
    });
    url.into()
}

/// The first file an `<input type=file>` holds.
pub fn chosen(input: &web_sys::HtmlInputElement) -> Option<web_sys::File> {
    input.files()?.get(0)
}
