//! One client connection's clock: how long it may take to send a request's
//! headers, how long it may sit idle between requests, and a polite close
//! after an early refusal.
//!
//! hyper's own `header_read_timeout` cannot give both limits: it starts its
//! timer as soon as a response is written, so idle time between requests
//! counts against it, and a 10 s header timeout would close an SDK's pooled
//! keep-alive connection after 10 s of quiet. Here the header clock starts
//! at a request's first byte (or at connect, for the first request) and the
//! idle clock between requests is separate.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::{Instant, Sleep};

#[derive(Clone, Copy, Debug)]
enum Phase {
    /// Waiting for a request's head to be complete, since this instant.
    Head(Instant),
    /// A request is being answered (its body has its own timeout).
    Busy,
    /// Between requests, since this instant.
    Idle(Instant),
}

/// Shared by a connection's reader and its request handler.
pub struct ConnState {
    phase: Mutex<Phase>,
    linger: AtomicBool,
}

impl ConnState {
    pub fn new() -> Arc<Self> {
        Arc::new(ConnState {
            phase: Mutex::new(Phase::Head(Instant::now())),
            linger: AtomicBool::new(false),
        })
    }

    fn set(&self, p: Phase) {
        *self.phase.lock().unwrap_or_else(|e| e.into_inner()) = p;
    }

    fn get(&self) -> Phase {
        *self.phase.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A request's head has arrived.
    pub fn busy(&self) {
        self.set(Phase::Busy);
    }

    /// A response is ready; the connection idles until the next request.
    pub fn idle(&self) {
        self.set(Phase::Idle(Instant::now()));
    }

    /// The answer refused the request before (all of) its body was read:
    /// the connection closes after it, draining what the client still sends.
    pub fn close_after_answer(&self) {
        self.linger.store(true, Ordering::Relaxed);
    }

    pub fn lingers(&self) -> bool {
        self.linger.load(Ordering::Relaxed)
    }

    /// When the connection's current wait runs out, and why; None while a
    /// request is being answered.
    fn deadline(&self, header: Duration, idle: Duration) -> Option<(Instant, &'static str)> {
        match self.get() {
            Phase::Head(t) => Some((t + header, "request headers not received in time")),
            Phase::Idle(t) => Some((t + idle, "keep-alive connection idle too long")),
            Phase::Busy => None,
        }
    }

    fn bytes_arrived(&self) {
        let mut p = self.phase.lock().unwrap_or_else(|e| e.into_inner());
        if let Phase::Idle(_) = *p {
            *p = Phase::Head(Instant::now());
        }
    }
}

/// A TCP stream that fails its reads with `TimedOut` when the head or idle
/// deadline of its connection has passed.
pub struct TimedIo {
    stream: TcpStream,
    state: Arc<ConnState>,
    header_timeout: Duration,
    idle_timeout: Duration,
    sleep: Pin<Box<Sleep>>,
    armed: Option<Instant>,
}

impl TimedIo {
    pub fn new(
        stream: TcpStream,
        state: Arc<ConnState>,
        header_timeout: Duration,
        idle_timeout: Duration,
    ) -> Self {
        TimedIo {
            stream,
            state,
            header_timeout,
            idle_timeout,
            sleep: Box::pin(tokio::time::sleep(Duration::ZERO)),
            armed: None,
        }
    }

    pub fn into_stream(self) -> TcpStream {
        self.stream
    }
}

impl AsyncRead for TimedIo {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        match Pin::new(&mut this.stream).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                if buf.filled().len() > before {
                    this.state.bytes_arrived();
                }
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => {
                let Some((deadline, why)) =
                    this.state.deadline(this.header_timeout, this.idle_timeout)
                else {
                    return Poll::Pending;
                };
                if this.armed != Some(deadline) {
                    this.sleep.as_mut().reset(deadline);
                    this.armed = Some(deadline);
                }
                // The sleep holds this task's waker, so an expired deadline
                // brings hyper back here to read the error.
                match this.sleep.as_mut().poll(cx) {
                    Poll::Ready(()) => {
                        Poll::Ready(Err(io::Error::new(io::ErrorKind::TimedOut, why)))
                    }
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }
}

impl AsyncWrite for TimedIo {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}

/// How long a refused client may keep sending after its answer.
const LINGER: Duration = Duration::from_secs(5);

/// Close after an early answer without resetting the connection: closing a
/// socket with unread data sends a reset, and a client still sending its
/// body (most send it all before reading) would see "connection reset"
/// instead of the answer. So: end our side, then read and discard whatever
/// the client still sends, for a bounded time.
pub async fn linger(mut stream: TcpStream) {
    let _ = stream.shutdown().await;
    let mut buf = [0u8; 16 * 1024];
    let _ = tokio::time::timeout(LINGER, async {
        while let Ok(n) = stream.read(&mut buf).await {
            if n == 0 {
                break;
            }
        }
    })
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: Duration = Duration::from_secs(10);
    const I: Duration = Duration::from_secs(75);

    #[tokio::test(start_paused = true)]
    async fn the_clock_follows_the_request() {
        let c = ConnState::new();
        let t0 = Instant::now();
        // A new connection has the header timeout for its first request.
        assert_eq!(c.deadline(H, I).unwrap().0, t0 + H);
        c.busy();
        assert!(c.deadline(H, I).is_none());
        tokio::time::advance(Duration::from_secs(3)).await;
        c.idle();
        assert_eq!(c.deadline(H, I).unwrap().0, t0 + Duration::from_secs(3) + I);
        // Quiet time does not count against the next request's header timeout.
        tokio::time::advance(Duration::from_secs(60)).await;
        c.bytes_arrived();
        let t1 = Instant::now();
        assert_eq!(c.deadline(H, I).unwrap().0, t1 + H);
        // More bytes of the same head do not restart it.
        tokio::time::advance(Duration::from_secs(1)).await;
        c.bytes_arrived();
        assert_eq!(c.deadline(H, I).unwrap().0, t1 + H);
        assert!(!c.lingers());
        c.close_after_answer();
        assert!(c.lingers());
    }
}
