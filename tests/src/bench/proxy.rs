//! A TCP relay in front of a fake provider that notes when bytes pass each way, so the time
//! the server spent on each request can be taken out of a create-key measurement.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Which way bytes went.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Dir {
    ToServer,
    ToClient,
}

type Log = Arc<Mutex<Vec<Vec<(Dir, Instant)>>>>;

/// The relay; it runs until the process ends.
pub struct TimingProxy {
    port: u16,
    log: Log,
}

impl TimingProxy {
    /// Relays 127.0.0.1:<new port> to `upstream` (`host:port`).
    pub fn start(upstream: String) -> TimingProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the relay");
        let port = listener.local_addr().expect("addr").port();
        let log: Log = Arc::default();
        let accept_log = log.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let Ok(server) = TcpStream::connect(&upstream) else {
                    continue;
                };
                let _ = client.set_nodelay(true);
                let _ = server.set_nodelay(true);
                let conn = {
                    let mut l = accept_log.lock().unwrap_or_else(|p| p.into_inner());
                    l.push(Vec::new());
                    l.len() - 1
                };
                for (from, to, dir) in [
                    (client.try_clone(), server.try_clone(), Dir::ToServer),
                    (server.try_clone(), client.try_clone(), Dir::ToClient),
                ] {
                    let (Ok(mut from), Ok(mut to)) = (from, to) else {
                        continue;
                    };
                    let log = accept_log.clone();
                    std::thread::spawn(move || {
                        let mut buf = [0u8; 64 * 1024];
                        loop {
                            let n = match from.read(&mut buf) {
                                Ok(0) | Err(_) => break,
                                Ok(n) => n,
                            };
                            let at = Instant::now();
                            log.lock().unwrap_or_else(|p| p.into_inner())[conn].push((dir, at));
                            if to.write_all(&buf[..n]).is_err() {
                                break;
                            }
                        }
                        let _ = to.shutdown(Shutdown::Write);
                    });
                }
            }
        });
        TimingProxy { port, log }
    }

    /// The relay's port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Time the server took on the requests that started in `[from, to]`: for each request,
    /// from the last byte sent to the server to the first byte of its answer.
    pub fn server_time(&self, from: Instant, to: Instant) -> Duration {
        let log = self.log.lock().unwrap_or_else(|p| p.into_inner());
        let mut total = Duration::ZERO;
        for conn in log.iter() {
            let mut last_request: Option<Instant> = None;
            let mut first_request: Option<Instant> = None;
            for &(dir, at) in conn {
                match dir {
                    Dir::ToServer => {
                        first_request.get_or_insert(at);
                        last_request = Some(at);
                    }
                    Dir::ToClient => {
                        if let (Some(first), Some(last)) = (first_request, last_request) {
                            if first >= from && first <= to {
                                total += at.saturating_duration_since(last);
                            }
                        }
                        last_request = None;
                        first_request = None;
                    }
                }
            }
        }
        total
    }
}
