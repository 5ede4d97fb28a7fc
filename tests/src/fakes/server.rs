//! Listeners, TLS and the background runtime behind a [`FakeServer`].

use std::io;
use std::net::{Ipv4Addr, SocketAddr, TcpListener as StdListener};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::{Extension, Router};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio_rustls::TlsAcceptor;

use super::respond::{self, ConnInfo, Role};
use super::{FakeOptions, Mode, Provider, RecordedRequest, TlsFiles};

/// State the handler and the [`FakeServer`] handle share.
pub(crate) struct Shared {
    pub provider: Provider,
    pub credential: String,
    pub slow: Duration,
    /// `scheme://127.0.0.1:port` of the redirect target listener.
    pub redirect_origin: String,
    mode: Mutex<Mode>,
    log: Mutex<Log>,
    handshake_failures: AtomicUsize,
}

#[derive(Default)]
struct Log {
    requests: Vec<RecordedRequest>,
    target_requests: Vec<RecordedRequest>,
    secrets: Vec<String>,
}

impl Shared {
    pub fn mode(&self) -> Mode {
        *lock(&self.mode)
    }

    pub fn record(&self, role: Role, request: RecordedRequest) {
        let mut log = lock(&self.log);
        match role {
            Role::Main => log.requests.push(request),
            Role::RedirectTarget => log.target_requests.push(request),
        }
    }

    pub fn issued(&self, secret: String) {
        lock(&self.log).secrets.push(secret);
    }
}

/// A poisoned lock only means a test thread panicked; the data is still what was recorded.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A fake provider on 127.0.0.1, serving on a background thread until dropped.
pub struct FakeServer {
    shared: Arc<Shared>,
    origin: String,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FakeServer {
    /// Start a fake; panics with the cause when it cannot (port taken, unreadable PEM,
    /// hellgate-commerce without a client CA).
    pub fn start(provider: Provider, opts: FakeOptions) -> FakeServer {
        FakeServer::try_start(provider, opts)
            .unwrap_or_else(|e| panic!("start the {provider} fake: {e}"))
    }

    /// Start a fake, or say why it could not start.
    pub fn try_start(provider: Provider, opts: FakeOptions) -> io::Result<FakeServer> {
        let tls = match (&opts.tls, provider) {
            (
                Some(TlsFiles {
                    client_ca_pem: None,
                    ..
                })
                | None,
                Provider::HellgateCommerce,
            ) => {
                return Err(invalid(
                    "hellgate-commerce needs mutual TLS: pass TlsFiles with client_ca_pem \
                     (TestPki::server_mtls)",
                ))
            }
            (Some(files), _) => Some(TlsAcceptor::from(Arc::new(server_config(files)?))),
            (None, _) => None,
        };
        let scheme = if tls.is_some() { "https" } else { "http" };
        let main = bind(opts.port)?;
        let target = bind(0)?;
        let origin = format!("{scheme}://{}", main.local_addr()?);
        let redirect_origin = format!("{scheme}://{}", target.local_addr()?);
        let shared = Arc::new(Shared {
            provider,
            credential: opts.credential,
            slow: opts.slow,
            redirect_origin,
            mode: Mutex::new(opts.mode),
            log: Mutex::new(Log::default()),
            handshake_failures: AtomicUsize::new(0),
        });

        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let (main, target) = {
            let _context = runtime.enter();
            (TcpListener::from_std(main)?, TcpListener::from_std(target)?)
        };
        let main_router = respond::router(shared.clone(), Role::Main);
        let target_router = respond::router(shared.clone(), Role::RedirectTarget);
        let (shutdown, stopped) = oneshot::channel::<()>();
        let thread_shared = shared.clone();
        let thread = std::thread::Builder::new()
            .name(format!("fake-{}", provider.id()))
            .spawn(move || {
                runtime.block_on(async move {
                    tokio::select! {
                        _ = accept_loop(main, tls.clone(), main_router, thread_shared.clone()) => {}
                        _ = accept_loop(target, tls, target_router, thread_shared) => {}
                        _ = stopped => {}
                    }
                });
                // Dropping the runtime drops every connection task, stalled ones included.
                drop(runtime);
            })?;
        Ok(FakeServer {
            shared,
            origin,
            shutdown: Some(shutdown),
            thread: Some(thread),
        })
    }

    pub fn provider(&self) -> Provider {
        self.shared.provider
    }

    /// `http(s)://127.0.0.1:PORT` plus the provider's base path (`/v1` for flexprice and
    /// hsrcpay): what an account's base URL should be set to.
    pub fn base_url(&self) -> String {
        format!("{}{}", self.origin, self.shared.provider.base_path())
    }

    /// `http(s)://127.0.0.1:PORT`, without the base path.
    pub fn origin(&self) -> String {
        self.origin.clone()
    }

    pub fn port(&self) -> u16 {
        self.origin
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .expect("origin ends in a port")
    }

    /// `http(s)://127.0.0.1:PORT` of the second listener [`Mode::RedirectOtherPort`]
    /// sends clients to.
    pub fn redirect_target_origin(&self) -> String {
        self.shared.redirect_origin.clone()
    }

    /// Every request the main listener received, valid or not, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.log).requests.clone()
    }

    pub fn request_count(&self) -> usize {
        lock(&self.shared.log).requests.len()
    }

    /// Every request the redirect target received (a client that follows the redirect).
    pub fn redirect_target_requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.log).target_requests.clone()
    }

    /// Whether any request at the redirect target carried credentials (see
    /// [`RecordedRequest::has_credentials`]).
    pub fn redirect_target_saw_credentials(&self) -> bool {
        lock(&self.shared.log)
            .target_requests
            .iter()
            .any(RecordedRequest::has_credentials)
    }

    /// Every secret the fake returned in a response body, in order.
    pub fn issued_secrets(&self) -> Vec<String> {
        lock(&self.shared.log).secrets.clone()
    }

    pub fn mode(&self) -> Mode {
        self.shared.mode()
    }

    /// Change how later requests are answered.
    pub fn set_mode(&self, mode: Mode) {
        *lock(&self.shared.mode) = mode;
    }

    /// Forget recorded requests and issued secrets.
    pub fn clear(&self) {
        *lock(&self.shared.log) = Log::default();
    }

    /// TLS handshakes that failed (e.g. no or an untrusted client certificate).
    pub fn tls_handshake_failures(&self) -> usize {
        self.shared.handshake_failures.load(Ordering::SeqCst)
    }

    /// Wait until the main listener has recorded at least `count` requests; false when
    /// `timeout` passes first.
    pub fn wait_for_requests(&self, count: usize, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while self.request_count() < count {
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        true
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl std::fmt::Debug for FakeServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeServer")
            .field("provider", &self.shared.provider)
            .field("base_url", &self.base_url())
            .field("mode", &self.mode())
            .finish()
    }
}

fn invalid(message: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message.into())
}

fn bind(port: u16) -> io::Result<StdListener> {
    let listener = StdListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))?;
    listener.set_nonblocking(true)?;
    Ok(listener)
}

fn server_config(files: &TlsFiles) -> io::Result<ServerConfig> {
    let pem_error = |path: &std::path::Path, e| invalid(format!("{}: {e}", path.display()));
    let certs = CertificateDer::pem_file_iter(&files.cert_pem)
        .and_then(|iter| iter.collect::<Result<Vec<_>, _>>())
        .map_err(|e| pem_error(&files.cert_pem, e))?;
    let key =
        PrivateKeyDer::from_pem_file(&files.key_pem).map_err(|e| pem_error(&files.key_pem, e))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| invalid(e.to_string()))?;
    let builder = match &files.client_ca_pem {
        None => builder.with_no_client_auth(),
        Some(ca) => {
            let mut roots = RootCertStore::empty();
            for cert in CertificateDer::pem_file_iter(ca).map_err(|e| pem_error(ca, e))? {
                let cert = cert.map_err(|e| pem_error(ca, e))?;
                roots
                    .add(cert)
                    .map_err(|e| invalid(format!("{}: {e}", ca.display())))?;
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .map_err(|e| invalid(e.to_string()))?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    let mut config = builder
        .with_single_cert(certs, key)
        .map_err(|e| invalid(format!("server certificate and key: {e}")))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

async fn accept_loop(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    router: Router,
    shared: Arc<Shared>,
) {
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(e) => {
                // Usually out of file descriptors; back off rather than spin.
                eprintln!("fake {}: accept failed: {e}", shared.provider);
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let (tls, router, shared) = (tls.clone(), router.clone(), shared.clone());
        tokio::spawn(async move {
            let Some(acceptor) = tls else {
                return serve(TokioIo::new(stream), router, ConnInfo::default()).await;
            };
            let handshake = tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream));
            match handshake.await {
                Ok(Ok(stream)) => {
                    let client_cert_subject = stream
                        .get_ref()
                        .1
                        .peer_certificates()
                        .and_then(|certs| certs.first())
                        .and_then(|cert| super::x509::subject(cert));
                    serve(
                        TokioIo::new(stream),
                        router,
                        ConnInfo {
                            client_cert_subject,
                        },
                    )
                    .await;
                }
                Ok(Err(_)) | Err(_) => {
                    shared.handshake_failures.fetch_add(1, Ordering::SeqCst);
                }
            }
        });
    }
}

async fn serve<I>(io: TokioIo<I>, router: Router, conn: ConnInfo)
where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = TowerToHyperService::new(router.layer(Extension(conn)));
    // A client that hangs up mid-answer (the slow modes) is no error of the fake's.
    let _ = auto::Builder::new(TokioExecutor::new())
        .serve_connection(io, service)
        .await;
}
