//! `keymint providers`.

use keymint_core::descriptor::FieldKind;
use keymint_core::providers::REGISTRY;

use crate::output::Output;

/// Prints every provider (all descriptor details with `--json`).
pub fn run(json: bool) {
    let out = Output::new(json);
    let descriptors: Vec<_> = REGISTRY.iter().map(|p| p.descriptor()).collect();
    if json {
        out.json(&descriptors);
        return;
    }
    let rows: Vec<Vec<String>> = descriptors
        .iter()
        .map(|d| {
            let fields = |fs: &[keymint_core::descriptor::Field]| {
                fs.iter()
                    .map(|f| match &f.kind {
                        FieldKind::Enum { options } => format!("{}={}", f.name, options.join("|")),
                        FieldKind::MultiEnum { .. } => format!("{}=a,b,…", f.name),
                        FieldKind::JsonObject { .. } => format!("{}={{…}}", f.name),
                        FieldKind::Text { .. } => f.name.to_owned(),
                    })
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            vec![
                d.id.to_owned(),
                d.name.to_owned(),
                fields(d.account_fields),
                fields(d.key_fields),
            ]
        })
        .collect();
    out.table(&["id", "name", "account fields", "key fields"], &rows);
}
