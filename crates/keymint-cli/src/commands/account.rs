//! `keymint account add|list|remove`.

use std::collections::BTreeMap;
use std::process::ExitCode;

use keymint_core::service::{AccountInput, Credential};
use keymint_core::{Error, Keymint};

use crate::cli::{AccountAddArgs, AccountCmd, AccountEditArgs, CredentialArgs};
use crate::input;
use crate::output::Output;

pub async fn run(core: &Keymint, out: &Output, cmd: AccountCmd) -> Result<ExitCode, Error> {
    match cmd {
        AccountCmd::Add(args) => add(core, out, args).await,
        AccountCmd::Edit(args) => edit(core, out, args).await,
        AccountCmd::List => {
            let accounts = core.accounts()?;
            if out.json {
                out.json(&accounts);
            } else {
                let rows: Vec<Vec<String>> = accounts
                    .iter()
                    .map(|a| {
                        vec![
                            a.name.clone(),
                            a.provider.clone(),
                            a.base_url.clone(),
                            a.key_count.to_string(),
                            match (a.sandbox, &a.team_store) {
                                (true, Some(t)) => format!("sandbox, store {t}"),
                                (false, Some(t)) => format!("store {t}"),
                                (true, None) => "sandbox".into(),
                                (false, None) => String::new(),
                            },
                        ]
                    })
                    .collect();
                out.table(&["name", "provider", "base url", "keys", ""], &rows);
            }
            Ok(ExitCode::SUCCESS)
        }
        AccountCmd::Remove { name, forget_keys } => {
            let store = core.account(&name)?.team_store;
            core.remove_account(&name, forget_keys).await?;
            if !out.json {
                match store {
                    Some(store) => {
                        eprintln!(
                            "Removed account {name}; its credential stays in team store {store}."
                        );
                    }
                    None => eprintln!("Removed account {name} and its credential."),
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn parse_fields(args: &[String]) -> Result<BTreeMap<String, String>, Error> {
    Ok(keymint_core::values::parse_pairs(args)?
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect())
}

/// The credential given with `c`, if any.
fn credential(c: &CredentialArgs) -> Result<Option<Credential>, Error> {
    Ok(match (&c.client_cert, &c.client_key) {
        (Some(cert), Some(key)) => Some(Credential::ClientCertificate {
            cert_pem: input::read_file(cert, "client_cert")?,
            key_pem: input::read_file(key, "client_key")?.into(),
        }),
        _ if c.credential_stdin => {
            Some(Credential::Secret(input::secret_from_stdin("credential")?))
        }
        _ => match &c.credential_env {
            Some(var) => Some(Credential::Secret(input::secret_from_env(var)?)),
            None => None,
        },
    })
}

const CREDENTIAL_HOW: &str =
    "--credential-stdin, --credential-env VAR, or --client-cert FILE --client-key FILE";

async fn edit(core: &Keymint, out: &Output, a: AccountEditArgs) -> Result<ExitCode, Error> {
    let current = core.account(&a.name)?;
    let mut fields = current.fields.clone();
    fields.extend(parse_fields(&a.set)?);
    let ca_cert_pem = match (&a.ca_cert, a.no_ca_cert) {
        (Some(path), _) => Some(input::read_file(path, "ca_cert")?),
        (None, true) => None,
        (None, false) => current.ca_cert_pem.clone(),
    };
    let input = AccountInput {
        provider: current.provider.clone(),
        name: a.rename.unwrap_or_else(|| current.name.clone()),
        base_url: a.base_url.or(current.base_url_override.clone()),
        ca_cert_pem,
        fields,
    };
    let account = core
        .update_account(&a.name, input, credential(&a.credential)?)
        .await
        .map_err(|e| match e {
            Error::Validation {
                field: Some(field),
                message,
            } if field == "credential" => Error::Validation {
                message: format!("{message}; give it with {CREDENTIAL_HOW}"),
                field: Some(field),
            },
            other => other,
        })?;
    if out.json {
        out.json(&account);
    } else {
        println!(
            "Updated {} account {} ({}).",
            account.provider, account.name, account.base_url
        );
    }
    Ok(ExitCode::SUCCESS)
}

async fn add(core: &Keymint, out: &Output, a: AccountAddArgs) -> Result<ExitCode, Error> {
    let credential = credential(&a.credential)?.ok_or_else(|| {
        Error::field(
            "credential",
            format!("give the credential with {CREDENTIAL_HOW}"),
        )
    })?;
    let ca_cert_pem = a
        .ca_cert
        .as_deref()
        .map(|p| input::read_file(p, "ca_cert"))
        .transpose()?;
    let input = AccountInput {
        provider: a.provider,
        name: a.name,
        base_url: a.base_url,
        ca_cert_pem,
        fields: parse_fields(&a.set)?,
    };
    let account = match &a.store {
        Some(store) => core.add_account_in_store(input, credential, store).await?,
        None => core.add_account(input, credential).await?,
    };
    let kept = match &account.team_store {
        Some(store) => format!("team store {store}"),
        None => "the keychain".to_owned(),
    };
    if out.json {
        out.json(&account);
    } else {
        println!(
            "Added {} account {} ({}); credential stored in {kept}.{}",
            account.provider,
            account.name,
            account.base_url,
            if account.sandbox {
                " Sandbox account."
            } else {
                ""
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}
