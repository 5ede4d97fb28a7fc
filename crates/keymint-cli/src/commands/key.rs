//! `keymint key …`.

use std::process::ExitCode;

use keymint_core::model::{KeyRecord, KeyStatus, StoreState};
use keymint_core::providers;
use keymint_core::service::{CreateInput, ImportInput};
use keymint_core::store::KeyQuery;
use keymint_core::values::parse_set_args;
use keymint_core::{Error, ExposeSecret, Keymint};

use crate::cli::{KeyCmd, KeyCreateArgs, KeyListArgs, StatusArg};
use crate::output::{expiry_text, safe, KeyJson, Output};
use crate::{agent, input};

pub async fn run(
    core: &Keymint,
    out: &Output,
    cmd: KeyCmd,
    reason: Option<&str>,
) -> Result<ExitCode, Error> {
    match cmd {
        KeyCmd::Create(args) => {
            // Refused before the provider is asked, so nothing can be lost by it.
            let allowed = if args.show_secret {
                Some(agent::guard(
                    core,
                    "keymint key create --show-secret",
                    reason,
                )?)
            } else {
                None
            };
            create(core, out, args, allowed).await
        }
        KeyCmd::List(args) => list(core, out, args),
        KeyCmd::Show { key } => show(core, out, &key),
        KeyCmd::Rotate {
            key,
            expires,
            show_secret,
        } => {
            let allowed = if show_secret {
                Some(agent::guard(
                    core,
                    "keymint key rotate --show-secret",
                    reason,
                )?)
            } else {
                None
            };
            let rotated = core.rotate_key(&key, expires).await?;
            if let (Some(allowed), Some(k)) = (&allowed, &rotated.created.key) {
                allowed.record(core, std::slice::from_ref(&k.id));
            }
            if !out.json {
                eprintln!(
                    "keymint: {} ({}) is superseded by the new key below",
                    safe(&rotated.old.label),
                    rotated.old.id
                );
            }
            print_created(out, &rotated.created, show_secret);
            Ok(ExitCode::SUCCESS)
        }
        KeyCmd::Secret { key } => {
            let allowed = agent::guard(core, "keymint key secret", reason)?;
            let secret = core.key_secret(&key, "revealed").await?;
            allowed.record(core, std::slice::from_ref(&key));
            println!("{}", secret.expose_secret());
            Ok(ExitCode::SUCCESS)
        }
        KeyCmd::Copy { key, clear_after } => {
            let clear_after = match clear_after {
                Some(secs) => secs,
                None => core.settings()?.clipboard_clear_secs.into(),
            };
            let allowed = agent::guard(core, "keymint key copy", reason)?;
            let done = crate::commands::copy::run(core, &key, clear_after).await?;
            allowed.record(core, std::slice::from_ref(&key));
            Ok(done)
        }
        KeyCmd::Import {
            account,
            label,
            remote_id,
            expires,
        } => {
            let secret = input::secret_from_stdin("secret")?;
            let input = ImportInput {
                account,
                label,
                remote_id,
                expires,
            };
            let key = core.import_key(input, secret).await?;
            print_key(out, &key, None);
            Ok(ExitCode::SUCCESS)
        }
        KeyCmd::Calendar => {
            print!("{}", core.expiries_calendar(chrono::Utc::now())?);
            Ok(ExitCode::SUCCESS)
        }
        KeyCmd::Forget { key } => {
            let k = core.forget_key(&key).await?;
            if out.json {
                out.json(&KeyJson::new(&k, None));
            } else {
                println!(
                    "Forgot {} ({} / {}). The key still works at {} until you revoke it there.",
                    k.label, k.provider, k.account, k.provider
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn create(
    core: &Keymint,
    out: &Output,
    a: KeyCreateArgs,
    allowed: Option<agent::Allowed>,
) -> Result<ExitCode, Error> {
    let account = core.account(&a.account)?;
    let provider = providers::get(&account.provider)?;
    let fields = parse_set_args(provider.descriptor().key_fields, &a.set)?;
    let created = core
        .create_key(CreateInput {
            account: a.account,
            label: a.label.unwrap_or_default(),
            expires: a.expires,
            fields,
        })
        .await?;
    if let (Some(allowed), Some(k)) = (&allowed, &created.key) {
        allowed.record(core, std::slice::from_ref(&k.id));
    }
    print_created(out, &created, a.show_secret);
    Ok(ExitCode::SUCCESS)
}

/// A create's (or rotation's) result: warnings on stderr, the key, and the secret when asked
/// for or when the keychain does not hold it.
fn print_created(out: &Output, created: &keymint_core::service::Created, show_secret: bool) {
    for w in &created.warnings {
        eprintln!("keymint: warning: {w}");
    }
    let show = show_secret || !created.stored || created.key.is_none();
    let secret = show.then(|| created.secret.expose_secret());
    match &created.key {
        Some(k) => print_key(out, k, secret),
        None => {
            // The row could not be written: the secret is all the user has.
            if out.json {
                out.json(&serde_json::json!({ "secret": secret, "stored": created.stored }));
            } else if let Some(s) = secret {
                println!("{s}");
            }
        }
    }
}

/// What an interrupted create means for the user.
pub const INTERRUPTED_LINE: &str =
    "interrupted after the request was sent: the key may exist at the provider — check its console";

fn print_key(out: &Output, k: &KeyRecord, secret: Option<&str>) {
    if out.json {
        out.json(&KeyJson::new(k, secret));
        return;
    }
    println!(
        "{}  {} / {} / {}",
        k.id,
        k.provider,
        k.account,
        safe(&k.label)
    );
    println!("  reference  {}", safe(&k.reference));
    if let Some(next) = &k.superseded_by {
        println!("  superseded by {next} (rotated; revoke this key at the provider)");
    }
    // Rows written before text from servers was cleaned at ingest may still hold escapes.
    if let Some(r) = &k.remote_id {
        println!("  remote id  {}", safe(r));
    }
    if let Some(h) = &k.hint {
        println!("  hint       {}", safe(h));
    }
    println!("  expires    {}", expiry_text(k.expires_at, true));
    if let Some(store) = &k.team_store {
        let place = match k.store_state {
            StoreState::UploadPending => "waiting in this keychain for upload (keymint store sync)",
            _ => "secret kept in the store",
        };
        println!("  team store {}: {place}", safe(store));
    }
    if let Some(by) = &k.created_by {
        println!("  created by {}", safe(by));
    }
    match k.status {
        KeyStatus::Stored => {}
        KeyStatus::Interrupted => println!("  status     {INTERRUPTED_LINE}"),
        _ => println!("  status     secret not stored in the keychain"),
    }
    if let Some(s) = secret {
        println!("  secret     {s}");
    }
}

fn list(core: &Keymint, out: &Output, a: KeyListArgs) -> Result<ExitCode, Error> {
    let window = a
        .expiring_within
        .as_deref()
        .map(keymint_core::expiry::parse_window)
        .transpose()?;
    if let Some(p) = &a.provider {
        providers::get(p)?;
    }
    let (_, keys) = core.list_keys(&KeyQuery {
        search: a.search,
        provider: a.provider,
        account: a.account,
        expiring_within_secs: window.map(|w| w.num_seconds()),
        status: a.status.map(StatusArg::filter),
        ..KeyQuery::default()
    })?;
    if out.json {
        let view: Vec<_> = keys.iter().map(|k| KeyJson::new(k, None)).collect();
        out.json(&view);
        return Ok(ExitCode::SUCCESS);
    }
    let rows: Vec<Vec<String>> = keys
        .iter()
        .map(|k| {
            vec![
                if out.tty {
                    k.id[..12.min(k.id.len())].to_owned()
                } else {
                    k.id.clone()
                },
                k.label.clone(),
                k.account.clone(),
                k.provider.clone(),
                k.hint.clone().unwrap_or_default(),
                expiry_text(k.expires_at, out.tty),
                k.status.as_str().to_owned(),
            ]
        })
        .collect();
    if rows.is_empty() && out.tty {
        eprintln!("No keys. Create one with `keymint key create ACCOUNT --label NAME`.");
    }
    out.table(
        &[
            "id", "label", "account", "provider", "hint", "expires", "status",
        ],
        &rows,
    );
    Ok(ExitCode::SUCCESS)
}

fn show(core: &Keymint, out: &Output, reference: &str) -> Result<ExitCode, Error> {
    let key = core.resolve_key(reference)?;
    let events = core.key_events(&key.id)?;
    if out.json {
        let mut v =
            serde_json::to_value(KeyJson::new(&key, None)).map_err(|e| Error::Io(e.to_string()))?;
        v["events"] = serde_json::to_value(&events).map_err(|e| Error::Io(e.to_string()))?;
        out.json(&v);
        return Ok(ExitCode::SUCCESS);
    }
    print_key(out, &key, None);
    if let Some(s) = &key.scopes {
        println!("  scopes     {s}");
    }
    for note in &key.answer_notes {
        println!("  note       {}", safe(note));
    }
    println!(
        "  created    {}",
        key.created_at
            .with_timezone(&chrono::Local)
            .format("%Y-%m-%d %H:%M")
    );
    for e in events {
        println!(
            "  event      {}  {}",
            e.at.with_timezone(&chrono::Local)
                .format("%Y-%m-%d %H:%M:%S"),
            e.kind
        );
    }
    Ok(ExitCode::SUCCESS)
}
