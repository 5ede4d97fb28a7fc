//! `keymint run [--env-file F]... [--env VAR=REF]... [--no-masking] -- COMMAND` (SPEC §6):
//! references from env files, `--env` and this process's own environment are resolved in one
//! keychain round trip and put in the child's environment. With masking (the default) the
//! child's stdout and stderr pass through Keymint and every resolved secret is printed as
//! `<concealed by keymint>`; `--no-masking` execs the child with the terminal.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::process::{ExitCode, Stdio};

use keymint_core::envfile::{self, EnvValue};
use keymint_core::mask::Masker;
use keymint_core::reference::Reference;
use keymint_core::{Error, ExposeSecret, Keymint};
use tokio::io::{AsyncRead, AsyncReadExt};

use crate::cli::RunArgs;

/// Where a variable's value comes from.
enum Wanted {
    /// Written out (a non-reference value of an env file).
    Literal(String),
    /// A reference, key id or label to resolve.
    Key(String),
}

pub async fn run(core: &Keymint, args: RunArgs) -> Result<ExitCode, Error> {
    let vars = wanted(&args)?;
    let keys: Vec<String> = vars
        .values()
        .filter_map(|w| match w {
            Wanted::Key(k) => Some(k.clone()),
            Wanted::Literal(_) => None,
        })
        .collect();
    let secrets = if keys.is_empty() {
        Vec::new()
    } else {
        core.key_secrets(&keys, "run").await?
    };
    let (program, rest) = args
        .command
        .split_first()
        .ok_or_else(|| Error::invalid("give the command to run after --"))?;
    let mut cmd = std::process::Command::new(program);
    cmd.args(rest);
    let mut secret_of = secrets.iter();
    for (name, w) in &vars {
        match w {
            Wanted::Literal(v) => cmd.env(name, v),
            Wanted::Key(_) => match secret_of.next() {
                Some(s) => cmd.env(name, s.expose_secret()),
                None => cmd.env_remove(name),
            },
        };
    }
    if args.no_masking {
        return super::exec::run_child(cmd, program);
    }
    let masker = || Masker::new(secrets.iter().map(|s| s.expose_secret().as_bytes()));
    masked(cmd, program, masker(), masker()).await
}

/// The variables to set, by name: this process's own environment (values that are whole
/// references), then env files in order, then `--env`; a later source wins.
fn wanted(args: &RunArgs) -> Result<BTreeMap<String, Wanted>, Error> {
    let mut vars = BTreeMap::new();
    for (name, value) in std::env::vars_os() {
        let (Some(name), Some(value)) = (name.to_str(), value.to_str()) else {
            continue;
        };
        if Reference::looks_like(value) {
            Reference::parse(value)
                .map_err(|e| Error::invalid(format!("environment variable {name}: {e}")))?;
            vars.insert(name.to_owned(), Wanted::Key(value.trim().to_owned()));
        }
    }
    for file in &args.env_files {
        for entry in envfile::read(file)? {
            let w = match entry.value {
                EnvValue::Reference(r) => Wanted::Key(r.to_string()),
                EnvValue::Literal(v) => Wanted::Literal(v),
            };
            vars.insert(entry.name, w);
        }
    }
    for pair in &args.env {
        let (name, key) = pair
            .split_once('=')
            .ok_or_else(|| Error::invalid(format!("--env expects VAR=REF, got `{pair}`")))?;
        if !envfile::valid_name(name) {
            return Err(Error::invalid(format!(
                "`{name}` is not a valid environment variable name"
            )));
        }
        if Reference::looks_like(key) {
            Reference::parse(key)?;
        }
        vars.insert(name.to_owned(), Wanted::Key(key.to_owned()));
    }
    Ok(vars)
}

/// Runs the child with its output piped through the maskers; passes SIGINT, SIGTERM and
/// SIGHUP on and returns its exit status (128 + N when a signal N ended it, as a shell does).
async fn masked(
    cmd: std::process::Command,
    program: &str,
    out_mask: Masker,
    err_mask: Masker,
) -> Result<ExitCode, Error> {
    let mut cmd = tokio::process::Command::from(cmd);
    cmd.stdin(Stdio::inherit())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // On a terminal the child stays in the terminal's process group, so Ctrl-C reaches it
    // (and us, who then only wait); elsewhere it gets a group of its own and we pass signals on.
    let on_terminal = std::io::stdin().is_terminal();
    #[cfg(unix)]
    if !on_terminal {
        cmd.process_group(0);
    }
    let mut child = cmd
        .spawn()
        .map_err(|e| Error::Io(format!("cannot run `{program}`: {e}")))?;
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();
    let pump_out = tokio::spawn(pump(stdout, out_mask, Stream::Out));
    let pump_err = tokio::spawn(pump(stderr, err_mask, Stream::Err));
    let status = signals::wait_forwarding(&mut child, on_terminal).await?;
    let _ = pump_out.await;
    let _ = pump_err.await;
    Ok(exit_code(status))
}

#[derive(Clone, Copy)]
enum Stream {
    Out,
    Err,
}

async fn pump<R: AsyncRead + Unpin>(from: Option<R>, mut masker: Masker, to: Stream) {
    let Some(mut from) = from else { return };
    let mut buf = vec![0u8; 64 * 1024];
    let mut out = Vec::with_capacity(buf.len() + 64);
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        masker.push(&buf[..n], &mut out);
        if write(to, &out).is_err() {
            break;
        }
        out.clear();
    }
    masker.finish(&mut out);
    let _ = write(to, &out);
}

fn write(to: Stream, bytes: &[u8]) -> std::io::Result<()> {
    if bytes.is_empty() {
        return Ok(());
    }
    match to {
        Stream::Out => {
            let mut o = std::io::stdout().lock();
            o.write_all(bytes)?;
            o.flush()
        }
        Stream::Err => {
            let mut e = std::io::stderr().lock();
            e.write_all(bytes)?;
            e.flush()
        }
    }
}

fn exit_code(status: std::process::ExitStatus) -> ExitCode {
    if let Some(code) = status.code() {
        return ExitCode::from(u8::try_from(code).unwrap_or(1));
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            return ExitCode::from(u8::try_from(128 + sig).unwrap_or(1));
        }
    }
    ExitCode::from(1)
}

#[cfg(unix)]
mod signals {
    use keymint_core::Error;
    use rustix::process::{kill_process, Pid, Signal};
    use tokio::signal::unix::{signal, SignalKind};

    /// Waits for the child, passing SIGINT (unless the terminal already sent it to the whole
    /// group), SIGTERM and SIGHUP on to it.
    pub async fn wait_forwarding(
        child: &mut tokio::process::Child,
        on_terminal: bool,
    ) -> Result<std::process::ExitStatus, Error> {
        let listen = |kind: SignalKind| {
            signal(kind).map_err(|e| Error::Io(format!("cannot watch signals: {e}")))
        };
        let mut int = listen(SignalKind::interrupt())?;
        let mut term = listen(SignalKind::terminate())?;
        let mut hup = listen(SignalKind::hangup())?;
        let pid = child
            .id()
            .and_then(|id| i32::try_from(id).ok())
            .and_then(Pid::from_raw);
        let pass = |sig: Signal| {
            if let Some(pid) = pid {
                let _ = kill_process(pid, sig);
            }
        };
        loop {
            tokio::select! {
                status = child.wait() => {
                    return status.map_err(|e| Error::Io(format!("waiting for the command: {e}")));
                }
                _ = int.recv() => if !on_terminal { pass(Signal::INT) },
                _ = term.recv() => pass(Signal::TERM),
                _ = hup.recv() => pass(Signal::HUP),
            }
        }
    }
}

#[cfg(not(unix))]
mod signals {
    use keymint_core::Error;

    pub async fn wait_forwarding(
        child: &mut tokio::process::Child,
        _on_terminal: bool,
    ) -> Result<std::process::ExitStatus, Error> {
        child
            .wait()
            .await
            .map_err(|e| Error::Io(format!("waiting for the command: {e}")))
    }
}
