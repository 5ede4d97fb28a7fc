//! `keymint store add|list|remove`.

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
                        ]
                    })
                    .collect();
                out.table(&["name", "address", "mount/prefix", "namespace"], &rows);
            }
            Ok(ExitCode::SUCCESS)
        }
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
