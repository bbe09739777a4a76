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
        let body = self.form(fields)?;
        self.send(Method::POST, path, Some(body)).await
    }

    /// A form's fields with the CSRF token of the cookie the server gave.
    fn form(&self, fields: &[(&str, &str)]) -> anyhow::Result<String> {
        let csrf = self.cookies.get("coachline_csrf").cloned().unwrap_or_default();
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        all.push(("_csrf", &csrf));
        Ok(serde_urlencoded::to_string(&all)?)
    }

    /// POST a form to `path` and read the answer without keeping it (a download), adding its
    /// bytes to `bytes` as they arrive; returns its status.
    pub async fn post_download(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        bytes: &std::sync::atomic::AtomicU64,
    ) -> anyhow::Result<StatusCode> {
        let body = self.form(fields)?;
        let response = self.request(Method::POST, path, Some(body)).await?;
        let status = response.status();
        let mut body = response.into_body();
        while let Some(frame) = body.frame().await {
            if let Some(data) = frame?.data_ref() {
                bytes.fetch_add(data.len() as u64, std::sync::atomic::Ordering::Relaxed);
            }
        }
        Ok(status)
    }

    async fn send(&mut self, method: Method, path: &str, form: Option<String>) -> anyhow::Result<Answer> {
        let start = Instant::now();
        let response = self.request(method, path, form).await?;
        let status = response.status();
        let body = response.into_body().collect().await?.to_bytes();
        Ok(Answer {
            status,
            ms: start.elapsed().as_secs_f64() * 1000.0,
            body,
        })
    }

    /// Sends a request with the cookies and keeps the cookies of the answer; the body is the
    /// caller's to read.
    async fn request(
        &mut self,
        method: Method,
        path: &str,
        form: Option<String>,
    ) -> anyhow::Result<hyper::Response<hyper::body::Incoming>> {
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
        let sender = self.connection().await?;
        sender.ready().await?;
        let response = sender.send_request(request).await?;
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
        Ok(response)
    }
}
