//! `keymint store add|list|sync|remove`.

use std::process::ExitCode;

use keymint_core::service::TeamStoreInput;
use keymint_core::{Error, Keymint};

use crate::cli::{StoreAddArgs, StoreCmd};
use crate::input;
use crate::output::Output;

pub async fn run(core: &Keymint, out: &Output, cmd: StoreCmd) -> Result<ExitCode, Error> {
    match cmd {
        StoreCmd::Add(args) => add(core, out, args).await,
        StoreCmd::List => {
            let stores = core.team_stores()?;
            if out.json {
                out.json(&stores);
            } else {
                let rows: Vec<Vec<String>> = stores
                    .iter()
                    .map(|s| {
                        vec![
                            s.name.clone(),
                            s.address.clone(),
                            format!("{}/{}", s.mount, s.prefix),
                            s.namespace.clone().unwrap_or_default(),
                            s.member.clone(),
                            match (&s.synced_at, &s.sync_error) {
                                (None, _) => "never".to_owned(),
                                (Some(t), None) => keymint_core::expiry::rfc3339(*t),
                                (Some(t), Some(e)) => format!(
                                    "{} failed: {}",
                                    keymint_core::expiry::rfc3339(*t),
                                    keymint_core::values::shorten(e)
                                ),
                            },
                        ]
                    })
                    .collect();
                out.table(
                    &[
                        "name",
                        "address",
                        "mount/prefix",
                        "namespace",
                        "member",
                        "last sync",
                    ],
                    &rows,
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        StoreCmd::Sync { name } => sync(core, out, name).await,
        StoreCmd::Remove { name } => {
            core.remove_team_store(&name).await?;
            if !out.json {
                eprintln!(
                    "Removed team store {name} and its token; the store itself is unchanged."
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn add(core: &Keymint, out: &Output, a: StoreAddArgs) -> Result<ExitCode, Error> {
    let token = match &a.token.token_env {
        Some(var) => input::secret_from_env(var),
        None => input::secret_from_stdin("token"),
    }
    .map_err(|e| match e {
        Error::Validation { message, .. } => Error::Validation {
            field: Some("token".to_owned()),
            message,
        },
        other => other,
    })?;
    let ca_cert_pem = a
        .ca_file
        .as_deref()
        .map(|p| input::read_file(p, "ca_cert"))
        .transpose()?;
    let input = TeamStoreInput {
        name: a.name,
        address: a.address,
        mount: a.mount,
        prefix: a.prefix,
        namespace: a.namespace,
        ca_cert_pem,
        member: a.member,
    };
    let store = core.add_team_store(input, token).await?;
    if out.json {
        out.json(&store);
    } else {
        println!(
            "Added team store {} ({}, {}/{}); token checked and stored in the keychain.",
            store.name, store.address, store.mount, store.prefix
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Exit status of a sync that found conflicts (as `check` and `scan` for findings).
const CONFLICTS: u8 = 6;

async fn sync(core: &Keymint, out: &Output, name: Option<String>) -> Result<ExitCode, Error> {
    let results = match name {
        Some(n) => vec![(n.clone(), core.sync_team_store(&n).await)],
        None => core.sync_team_stores().await?,
    };
    if results.is_empty() {
        return Err(Error::NotFound(
            "there is no team store to sync; add one with `keymint store add`".to_owned(),
        ));
    }
    let mut reports = Vec::new();
    let mut first_error = None;
    for (store, result) in results {
        match result {
            Ok(r) => reports.push(r),
            Err(e) if first_error.is_none() => first_error = Some((store, e)),
            Err(e) => eprintln!("{store}: {e}"),
        }
    }
    let conflicts = reports.iter().any(|r| !r.conflicts.is_empty());
    if out.json {
        out.json(&reports);
    } else {
        for r in &reports {
            println!("{}", summary(r));
            for c in &r.conflicts {
                eprintln!("conflict in {}: {c}", r.store);
            }
        }
    }
    if let Some((store, e)) = first_error {
        if !reports.is_empty() {
            eprintln!("{store}:");
        }
        return Err(e);
    }
    Ok(if conflicts {
        ExitCode::from(CONFLICTS)
    } else {
        ExitCode::SUCCESS
    })
}

/// One line: what a sync did.
fn summary(r: &keymint_core::service::SyncReport) -> String {
    let mut parts = Vec::new();
    if r.uploaded > 0 {
        parts.push(format!("{} uploaded", r.uploaded));
    }
    if !r.accounts_added.is_empty() {
        parts.push(format!("account(s) added: {}", r.accounts_added.join(", ")));
    }
    if r.keys_added > 0 {
        parts.push(format!("{} key(s) added", r.keys_added));
    }
    if r.keys_removed > 0 {
        parts.push(format!("{} key(s) removed", r.keys_removed));
    }
    if r.still_pending > 0 {
        parts.push(format!("{} still waiting for upload", r.still_pending));
    }
    let did = if parts.is_empty() {
        "up to date".to_owned()
    } else {
        parts.join(", ")
    };
    format!(
        "Synced team store {}: {did}; {} key(s) in the store.",
        r.store, r.keys_in_store
    )
}
