//! The CSS and scripts under `/static`, compiled into the binary so a copied `coachline` serves
//! its pages whole. Pages link them as `/static/app.css?v=<hash of the content>` (`url`), so a
//! browser may keep them for a year and still fetches a new file after an upgrade; every file
//! also carries an `ETag`. `COACHLINE_STATIC_DIR` serves another directory instead (for working
//! on the CSS without rebuilding), with short caching.

use std::collections::HashMap;
use std::sync::OnceLock;

use axum::body::Body;
use axum::extract::{Path, RawQuery};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use rust_embed::RustEmbed;
use tower::ServiceBuilder;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

#[derive(RustEmbed)]
#[folder = "static/"]
struct Embedded;

/// A versioned URL is never served with other content, so it may be cached for a year.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Without the version a file may change at the next upgrade: the browser asks again (cheaply,
/// with the `ETag`).
const REVALIDATE: &str = "public, max-age=0, must-revalidate";

/// The first 16 hex digits of each embedded file's SHA-256: its version and its `ETag`.
fn versions() -> &'static HashMap<String, String> {
    static VERSIONS: OnceLock<HashMap<String, String>> = OnceLock::new();
    VERSIONS.get_or_init(|| {
        Embedded::iter()
            .filter_map(|name| {
                let file = Embedded::get(&name)?;
                let hash = hex::encode(&file.metadata.sha256_hash()[..8]);
                Some((name.into_owned(), hash))
            })
            .collect()
    })
}

/// The URL of a static file for templates: `/static/app.css?v=…`.
pub fn url(name: &str) -> String {
    match versions().get(name) {
        Some(version) => format!("/static/{name}?v={version}"),
        None => format!("/static/{name}"),
    }
}

/// `/static/...`: the embedded files, or `dir` when `COACHLINE_STATIC_DIR` names one.
pub fn router<S: Clone + Send + Sync + 'static>(dir: Option<&str>) -> Router<S> {
    match dir {
        Some(dir) => Router::new().nest_service(
            "/static",
            ServiceBuilder::new()
                .layer(SetResponseHeaderLayer::overriding(
                    header::CACHE_CONTROL,
                    HeaderValue::from_static(REVALIDATE),
                ))
                .service(ServeDir::new(dir)),
        ),
        None => Router::new().route("/static/{*name}", get(embedded)),
    }
}

async fn embedded(Path(name): Path<String>, RawQuery(query): RawQuery, headers: HeaderMap) -> Response {
    let (Some(file), Some(version)) = (Embedded::get(&name), versions().get(&name)) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let etag = format!("\"{version}\"");
    let versioned = query.is_some_and(|q| q == format!("v={version}"));
    let cache = if versioned { IMMUTABLE } else { REVALIDATE };
    let mut response = if if_none_match(&headers, &etag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mime = file.metadata.mimetype();
        let content_type = if mime.starts_with("text/") || mime.ends_with("javascript") {
            format!("{mime}; charset=utf-8")
        } else {
            mime.to_owned()
        };
        (
            [(header::CONTENT_TYPE, content_type)],
            Body::from(file.data.into_owned()),
        )
            .into_response()
    };
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if let Ok(etag) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, etag);
    }
    response
}

/// Whether the browser's `If-None-Match` already names this version.
fn if_none_match(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|tag| tag.trim().trim_start_matches("W/"))
        .any(|tag| tag == etag || tag == "*")
}

#[cfg(test)]
mod tests {
    /// Every `assets::url("...")` of the templates, so a renamed or removed file fails here.
    fn linked_files() -> Vec<String> {
        fn walk(dir: &std::path::Path, out: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    walk(&path, out);
                } else {
                    let text = std::fs::read_to_string(&path).unwrap();
                    for part in text.split("assets::url(\"").skip(1) {
                        out.push(part.split('"').next().unwrap().to_owned());
                    }
                }
            }
        }
        let mut out = Vec::new();
        walk(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates"),
            &mut out,
        );
        out
    }

    #[test]
    fn every_linked_file_is_embedded_with_a_version() {
        let linked = linked_files();
        assert!(linked.iter().any(|n| n == "app.css"), "{linked:?}");
        for name in linked {
            let url = super::url(&name);
            assert!(url.starts_with(&format!("/static/{name}?v=")), "{url}");
            assert_eq!(url.len(), format!("/static/{name}?v=").len() + 16);
        }
    }

    #[test]
    fn an_unknown_file_gets_a_plain_url() {
        assert_eq!(super::url("nothing.css"), "/static/nothing.css");
    }
}
