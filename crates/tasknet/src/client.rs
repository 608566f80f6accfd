//! A minimal HTTP/1.1 client over one keep-alive connection, for the
//! `explain` command and the `tasknet-load` generator.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

pub struct Client {
    tx: http1::SendRequest<Full<Bytes>>,
    host: String,
}

/// `http://host:port[/]` → `host:port`.
pub fn authority(endpoint: &str) -> Result<String, String> {
    let rest = endpoint
        .strip_prefix("http://")
        .ok_or_else(|| format!("{endpoint}: only http:// endpoints are supported"))?;
    Ok(rest.trim_end_matches('/').to_string())
}

impl Client {
    pub async fn connect(endpoint: &str) -> Result<Client, String> {
        let host = authority(endpoint)?;
        let stream = TcpStream::connect(&host)
            .await
            .map_err(|e| format!("connect {host}: {e}"))?;
        let _ = stream.set_nodelay(true);
        let (tx, conn) = http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| e.to_string())?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        Ok(Client { tx, host })
    }

    /// Send a request; returns (status, body).
    pub async fn send(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, String)],
        body: Vec<u8>,
    ) -> Result<(u16, Bytes), String> {
        let mut b = hyper::Request::builder()
            .method(method)
            .uri(path)
            .header("host", &self.host);
        for (k, v) in headers {
            b = b.header(*k, v);
        }
        let req = b
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| e.to_string())?;
        self.tx.ready().await.map_err(|e| e.to_string())?;
        let resp = self.tx.send_request(req).await.map_err(|e| e.to_string())?;
        let status = resp.status().as_u16();
        let body = resp
            .into_body()
            .collect()
            .await
            .map_err(|e| e.to_string())?
            .to_bytes();
        Ok((status, body))
    }
}
