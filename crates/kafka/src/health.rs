//! A tiny HTTP/1.1 responder for Kubernetes probes and Prometheus scraping, on one port:
//! `GET /metrics` (Prometheus text), `GET /healthz` (liveness: the loop ticked recently) and
//! `GET /readyz` (readiness: joined the group and consuming, not shutting down).

use crate::metric;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Liveness / readiness flags set by the live loop.
#[derive(Debug)]
pub struct Health {
    start: Instant,
    ready: AtomicBool,
    /// Why not ready, when the loop said ([`Health::set_not_ready`]).
    reason: std::sync::Mutex<Option<String>>,
    beat_ms: AtomicU64,
    stale_after: Duration,
}

impl Health {
    /// Not ready, alive as of now; dead when no beat for `stale_after`.
    pub fn new(stale_after: Duration) -> Health {
        Health {
            start: Instant::now(),
            ready: AtomicBool::new(false),
            reason: std::sync::Mutex::new(None),
            beat_ms: AtomicU64::new(0),
            stale_after,
        }
    }
    /// The loop is alive.
    pub fn beat(&self) {
        self.beat_ms
            .store(self.start.elapsed().as_millis() as u64, Ordering::Relaxed);
    }
    /// Set readiness (clears a reason given by [`Health::set_not_ready`]).
    pub fn set_ready(&self, ready: bool) {
        *self.reason.lock().unwrap_or_else(|e| e.into_inner()) = None;
        self.ready.store(ready, Ordering::Relaxed);
        metrics::gauge!(metric::READY).set(if ready { 1.0 } else { 0.0 });
    }
    /// Not ready, and why (shown by `/readyz`).
    pub fn set_not_ready(&self, reason: String) {
        *self.reason.lock().unwrap_or_else(|e| e.into_inner()) = Some(reason);
        self.ready.store(false, Ordering::Relaxed);
        metrics::gauge!(metric::READY).set(0.0);
    }
    /// Why not ready, if the loop said.
    pub fn reason(&self) -> Option<String> {
        self.reason
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
    /// Ready for traffic (consuming).
    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Relaxed)
    }
    /// Alive (the loop beat recently).
    pub fn is_alive(&self) -> bool {
        let last = Duration::from_millis(self.beat_ms.load(Ordering::Relaxed));
        self.start.elapsed().saturating_sub(last) < self.stale_after
    }
}

/// The process-wide Prometheus recorder (installed on first use; a recorder installed earlier
/// by the embedding binary wins, and this handle then renders nothing).
pub fn prometheus() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new().build_recorder();
            let handle = recorder.handle();
            if metrics::set_global_recorder(recorder).is_err() {
                tracing::warn!("a metrics recorder is already installed; /metrics serves this crate's recorder only");
            } else {
                metric::describe();
            }
            handle
        })
        .clone()
}

/// Serve until the task is aborted.
pub async fn serve(listener: TcpListener, health: Arc<Health>, prom: PrometheusHandle) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let health = health.clone();
        let prom = prom.clone();
        tokio::spawn(async move {
            let _ =
                tokio::time::timeout(Duration::from_secs(5), respond(stream, &health, &prom)).await;
        });
    }
}

async fn respond(
    mut s: TcpStream,
    health: &Health,
    prom: &PrometheusHandle,
) -> std::io::Result<()> {
    let mut buf = vec![0u8; 4096];
    let mut n = 0;
    while n < buf.len() {
        let r = s.read(&mut buf[n..]).await?;
        if r == 0 {
            break;
        }
        n += r;
        if buf[..n].windows(4).any(|w| w == b"\r\n\r\n") || buf[..n].contains(&b'\n') {
            break;
        }
    }
    let line = String::from_utf8_lossy(&buf[..n]);
    let mut words = line.split_whitespace();
    let (method, path) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
    let (status, body, ctype) = match (method, path.split('?').next().unwrap_or("")) {
        ("GET", "/metrics") => {
            prom.run_upkeep();
            ("200 OK", prom.render(), "text/plain; version=0.0.4")
        }
        ("GET", "/healthz" | "/livez") if health.is_alive() => {
            ("200 OK", "ok\n".into(), "text/plain")
        }
        ("GET", "/healthz" | "/livez") => {
            ("503 Service Unavailable", "stalled\n".into(), "text/plain")
        }
        ("GET", "/readyz") if health.is_ready() => ("200 OK", "ready\n".into(), "text/plain"),
        ("GET", "/readyz") => (
            "503 Service Unavailable",
            match health.reason() {
                Some(r) => format!("not ready: {r}\n"),
                None => "not ready\n".into(),
            },
            "text/plain",
        ),
        ("GET", _) => ("404 Not Found", "not found\n".into(), "text/plain"),
        _ => ("405 Method Not Allowed", "GET only\n".into(), "text/plain"),
    };
    let head = format!(
        "HTTP/1.1 {status}\r\ncontent-type: {ctype}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).await?;
    s.write_all(body.as_bytes()).await?;
    s.shutdown().await
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn get(addr: std::net::SocketAddr, path: &str) -> String {
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(format!("GET {path} HTTP/1.1\r\nhost: x\r\n\r\n").as_bytes())
            .await
            .unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).await.unwrap();
        out
    }

    #[tokio::test]
    async fn probes_and_metrics() {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        let h = Arc::new(Health::new(Duration::from_secs(60)));
        let prom = prometheus();
        metrics::counter!("distillguard_test_counter").increment(3);
        let task = tokio::spawn(serve(l, h.clone(), prom));
        assert!(get(addr, "/readyz").await.starts_with("HTTP/1.1 503"));
        h.set_ready(true);
        h.beat();
        assert!(get(addr, "/readyz").await.starts_with("HTTP/1.1 200"));
        assert!(get(addr, "/healthz").await.starts_with("HTTP/1.1 200"));
        assert!(get(addr, "/nope").await.starts_with("HTTP/1.1 404"));
        h.set_not_ready("owns no partition".into());
        let r = get(addr, "/readyz").await;
        assert!(
            r.starts_with("HTTP/1.1 503") && r.contains("not ready: owns no partition"),
            "{r}"
        );
        h.set_ready(true);
        let m = get(addr, "/metrics").await;
        assert!(m.contains("distillguard_test_counter 3"), "{m}");
        let ready = metric::ALL
            .iter()
            .find(|d| d.name == metric::READY)
            .unwrap();
        assert!(
            m.contains(&format!("# HELP {} {}", ready.name, ready.help)),
            "the recorder carries the help texts: {m}"
        );
        task.abort();
    }
}
