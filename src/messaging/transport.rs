//! How messages physically leave: MedCom messages as files in a directory (written whole or not
//! at all: a temporary file, flushed, then renamed) or POSTed to an endpoint; SMS through a
//! GatewayAPI-style JSON gateway. Endpoints are reached over HTTPS (rustls, the system's roots
//! plus a region's CA from `COACHLINE_OUTBOX_CA_FILE`); plain `http://` only on this machine. Errors are short reasons for the outbox's history, never
//! message content.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{header, Method, Request};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use rustls_pki_types::ServerName;
use tokio_rustls::rustls::{ClientConfig, RootCertStore};
use tokio_rustls::TlsConnector;
use uuid::Uuid;

use crate::config::MessagingConfig;

/// How long one delivery may take.
const TIMEOUT: Duration = Duration::from_secs(30);

/// Delivers a MedCom message where the configuration says; the receipt on success.
pub async fn deliver_medcom(
    config: &MessagingConfig,
    message_uuid: Uuid,
    content_type: &str,
    content: &str,
) -> Result<String, String> {
    if let Some(dir) = &config.medcom_dir {
        write_atomically(dir, &format!("{message_uuid}.json"), content.as_bytes())
            .await
            .map_err(|e| format!("cannot write to the outbox directory: {}", e.kind()))?;
        return Ok("written to the outbox directory".to_owned());
    }
    if let Some(url) = &config.medcom_endpoint {
        let (status, _) = post(config, url, content_type, &[], content.as_bytes().to_vec()).await?;
        return if status.is_success() {
            Ok(format!("accepted by the endpoint (HTTP {})", status.as_u16()))
        } else {
            Err(format!("the endpoint answered HTTP {}", status.as_u16()))
        };
    }
    Err(
        "no MedCom delivery is configured (COACHLINE_MEDCOM_OUTBOX_DIR or COACHLINE_MEDCOM_ENDPOINT)"
            .to_owned(),
    )
}

/// Writes `name` in `dir` so a reader sees the whole file or none: a hidden temporary file in
/// the same directory, flushed to disk, then renamed.
pub async fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    use tokio::io::AsyncWriteExt;
    tokio::fs::create_dir_all(dir).await?;
    let temporary = dir.join(format!(".{name}.part"));
    let mut file = tokio::fs::File::create(&temporary).await?;
    file.write_all(bytes).await?;
    file.sync_all().await?;
    drop(file);
    tokio::fs::rename(&temporary, dir.join(name)).await
}

/// The number as an international MSISDN (Danish numbers get 45 in front).
pub fn msisdn(mobile: &str) -> Option<u64> {
    let digits: String = mobile.chars().filter(char::is_ascii_digit).collect();
    let international = if digits.len() == 8 {
        format!("45{digits}")
    } else {
        digits
    };
    (10..=15)
        .contains(&international.len())
        .then(|| international.parse().ok())
        .flatten()
}

/// Sends a text through the gateway (`POST {url}/rest/mtsms`, `Authorization: Token ...`); the
/// gateway's message id is the receipt.
pub async fn send_sms(
    config: &MessagingConfig,
    message_uuid: Uuid,
    mobile: &str,
    text: &str,
) -> Result<String, String> {
    let (Some(url), Some(token)) = (&config.sms_gateway_url, &config.sms_token) else {
        return Err(
            "no SMS gateway is configured (COACHLINE_SMS_GATEWAY_URL and COACHLINE_SMS_TOKEN)".to_owned(),
        );
    };
    let Some(msisdn) = msisdn(mobile) else {
        return Err("the mobile number is not a valid number".to_owned());
    };
    let body = serde_json::json!({
        "sender": config.sms_sender,
        "message": text,
        "recipients": [{ "msisdn": msisdn }],
        "userref": message_uuid.to_string(),
    });
    let endpoint = format!("{}/rest/mtsms", url.trim_end_matches('/'));
    let authorization = format!("Token {token}");
    let (status, answer) = post(
        config,
        &endpoint,
        "application/json",
        &[(header::AUTHORIZATION.as_str(), authorization.as_str())],
        body.to_string().into_bytes(),
    )
    .await?;
    if !status.is_success() {
        return Err(format!("the SMS gateway answered HTTP {}", status.as_u16()));
    }
    let ids = serde_json::from_slice::<serde_json::Value>(&answer)
        .ok()
        .and_then(|v| v.get("ids").cloned())
        .map(|ids| ids.to_string())
        .unwrap_or_default();
    Ok(format!("accepted by the SMS gateway {ids}").trim().to_owned())
}

/// The TLS settings for a delivery: the system's roots plus the configured CA file, if any.
fn tls_config(ca_file: Option<&Path>) -> Result<Arc<ClientConfig>, String> {
    let mut roots = RootCertStore::empty();
    // Roots the system offers that rustls cannot read are skipped, as a browser would.
    let (_added, _skipped) = roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
    if let Some(path) = ca_file {
        for cert in crate::config::read_ca_file(path)? {
            roots
                .add(cert)
                .map_err(|e| format!("the configured CA file holds an unusable certificate: {e}"))?;
        }
    }
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS cannot be set up: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// POSTs `body` to an `https://` URL (or an `http://` one on this machine); the status and the
/// answer's body.
async fn post(
    config: &MessagingConfig,
    url: &str,
    content_type: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> Result<(axum::http::StatusCode, Bytes), String> {
    let parsed = crate::config::delivery_url(url)?;
    let https = parsed.scheme() == "https";
    let host = parsed
        .host_str()
        .ok_or("the configured URL has no host")?
        .to_owned();
    let port = parsed
        .port_or_known_default()
        .unwrap_or(if https { 443 } else { 80 });
    let path = match parsed.query() {
        Some(q) => format!("{}?{q}", parsed.path()),
        None => parsed.path().to_owned(),
    };
    let mut request = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(header::HOST, format!("{host}:{port}"))
        .header(header::CONTENT_TYPE, content_type);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = request
        .body(Full::new(Bytes::from(body)))
        .map_err(|_| "the request could not be made".to_owned())?;
    let attempt = async {
        // An IPv6 host comes in brackets, which neither the resolver nor TLS wants.
        let bare = host.trim_start_matches('[').trim_end_matches(']').to_owned();
        let stream = tokio::net::TcpStream::connect((bare.as_str(), port))
            .await
            .map_err(|e| format!("cannot connect: {}", e.kind()))?;
        if !https {
            return exchange(stream, request).await;
        }
        let tls = tls_config(config.ca_file.as_deref())?;
        let name =
            ServerName::try_from(bare).map_err(|_| "the configured host is not a valid name".to_owned())?;
        let stream = TlsConnector::from(tls)
            .connect(name, stream)
            .await
            .map_err(|e| format!("the TLS handshake failed: {e}"))?;
        exchange(stream, request).await
    };
    tokio::time::timeout(TIMEOUT, attempt)
        .await
        .unwrap_or_else(|_| Err("no answer in time".to_owned()))
}

/// One request and its answer over an open connection.
async fn exchange<S>(
    stream: S,
    request: Request<Full<Bytes>>,
) -> Result<(axum::http::StatusCode, Bytes), String>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|_| "the connection failed".to_owned())?;
    tokio::spawn(connection);
    let response = sender
        .send_request(request)
        .await
        .map_err(|_| "the request failed".to_owned())?;
    let status = response.status();
    let answer = response
        .into_body()
        .collect()
        .await
        .map_err(|_| "the answer could not be read".to_owned())?
        .to_bytes();
    Ok((status, answer))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_danish_mobile_gets_the_country_code() {
        assert_eq!(msisdn("20 12 34 56"), Some(4520123456));
        assert_eq!(msisdn("+4520123456"), Some(4520123456));
        assert_eq!(msisdn("123"), None);
    }
}
