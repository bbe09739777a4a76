//! A browser's worth of HTTP for the benchmarks: one kept-alive connection per person, the
//! cookies the server sets sent back on every request, the whole body read.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Instant;

use axum::body::Bytes;
use axum::http::{header, Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;

/// One person's browser: a connection kept alive and a cookie jar.
pub struct Browser {
    addr: SocketAddr,
    sender: Option<SendRequest<Full<Bytes>>>,
    pub cookies: BTreeMap<String, String>,
}

/// What a request took and returned.
pub struct Answer {
    pub status: StatusCode,
    pub ms: f64,
    pub body: Bytes,
}

impl Browser {
    pub fn new(addr: SocketAddr) -> Self {
        Self {
            addr,
            sender: None,
            cookies: BTreeMap::new(),
        }
    }

    async fn connection(&mut self) -> anyhow::Result<&mut SendRequest<Full<Bytes>>> {
        let open = match &self.sender {
            Some(s) => !s.is_closed(),
            None => false,
        };
        if !open {
            let stream = tokio::net::TcpStream::connect(self.addr).await?;
            // Browsers send without delay too; the server's side is what is measured.
            stream.set_nodelay(true)?;
            let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
            tokio::spawn(connection);
            self.sender = Some(sender);
        }
        Ok(self.sender.as_mut().expect("just opened"))
    }

    /// GET `path`.
    pub async fn get(&mut self, path: &str) -> anyhow::Result<Answer> {
        self.send(Method::GET, path, None).await
    }

    /// POST a form to `path`, with the CSRF token of the cookie the server gave.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> anyhow::Result<Answer> {
        let csrf = self.cookies.get("coachline_csrf").cloned().unwrap_or_default();
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        all.push(("_csrf", &csrf));
        let body = serde_urlencoded::to_string(&all)?;
        self.send(Method::POST, path, Some(body)).await
    }

    async fn send(&mut self, method: Method, path: &str, form: Option<String>) -> anyhow::Result<Answer> {
        let cookie = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header(header::HOST, self.addr.to_string())
            .header(header::ACCEPT_ENCODING, "gzip");
        if !cookie.is_empty() {
            request = request.header(header::COOKIE, cookie);
        }
        let body = match form {
            Some(form) => {
                request = request.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
                Full::new(Bytes::from(form))
            }
            None => Full::new(Bytes::new()),
        };
        let request = request.body(body)?;
        let start = Instant::now();
        let sender = self.connection().await?;
        sender.ready().await?;
        let response = sender.send_request(request).await?;
        let status = response.status();
        for value in response.headers().get_all(header::SET_COOKIE) {
            let Ok(text) = value.to_str() else { continue };
            let pair = text.split(';').next().unwrap_or_default();
            if let Some((name, value)) = pair.split_once('=') {
                if value.is_empty() {
                    self.cookies.remove(name);
                } else {
                    self.cookies.insert(name.to_owned(), value.to_owned());
                }
            }
        }
        let body = response.into_body().collect().await?.to_bytes();
        Ok(Answer {
            status,
            ms: start.elapsed().as_secs_f64() * 1000.0,
            body,
        })
    }
}
