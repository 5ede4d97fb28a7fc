//! `keymint settings`: the settings the app shows, from the command line.

use std::process::ExitCode;

use keymint_core::settings::{Settings, SETTINGS};
use keymint_core::{Error, Keymint};
use serde::Serialize;

use crate::cli::SettingsCmd;
use crate::output::Output;

/// One setting as listed.
#[derive(Serialize)]
struct Row<'a> {
    name: &'a str,
    value: String,
    default: String,
    accepts: &'a str,
    help: &'a str,
}

/// Runs a settings subcommand.
pub fn run(core: &Keymint, out: &Output, cmd: Option<SettingsCmd>) -> Result<ExitCode, Error> {
    let settings = match cmd.unwrap_or(SettingsCmd::List) {
        SettingsCmd::List => core.settings()?,
        SettingsCmd::Get { name } => {
            let value = core.settings()?.get(&name)?;
            if out.json {
                out.json(&serde_json::json!({ "name": name, "value": value }));
            } else {
                println!("{value}");
            }
            return Ok(ExitCode::SUCCESS);
        }
        SettingsCmd::Set { name, value } => core.set_setting(&name, &value)?,
        SettingsCmd::Reset { name } => core.reset_setting(&name)?,
    };
    print(out, &settings)?;
    Ok(ExitCode::SUCCESS)
}

fn print(out: &Output, settings: &Settings) -> Result<(), Error> {
    let defaults = Settings::default();
    let rows = SETTINGS
        .iter()
        .map(|info| {
            Ok(Row {
                name: info.name,
                value: settings.get(info.name)?,
                default: defaults.get(info.name)?,
                accepts: info.accepts,
                help: info.help,
            })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    if out.json {
        out.json(&rows);
        return Ok(());
    }
    let table: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.name.to_owned(),
                r.value.clone(),
                r.default.clone(),
                r.accepts.to_owned(),
            ]
        })
        .collect();
    out.table(&["setting", "value", "default", "accepts"], &table);
    Ok(())
}
