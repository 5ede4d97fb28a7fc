//! Settings through the core: defaults, what is refused, and what a later start reads back.

use std::sync::Arc;

use super::core;
use crate::service::Keymint;
use crate::settings::{Settings, Theme, SETTINGS};
use crate::vault::MemoryVault;

#[test]
fn a_new_inventory_has_the_defaults() {
    let (core, _vault) = core();
    let s = core.settings().expect("settings");
    assert_eq!(s, Settings::default());
    assert_eq!(s.clipboard_clear_secs, 30);
    assert_eq!(s.reveal_timeout_secs, 20);
    assert!(s.reminders);
    assert_eq!(s.reminder_days, vec![14]);
    assert_eq!(s.theme, Theme::System);
    for info in SETTINGS {
        let text = s.get(info.name).expect(info.name);
        let mut copy = Settings::default();
        copy.set(info.name, &text).expect(info.name);
        assert_eq!(copy, s, "{} reads back as it is shown", info.name);
    }
}

#[test]
fn every_setting_takes_a_valid_value_and_keeps_it() {
    let (core, _vault) = core();
    for (name, value, shown) in [
        ("clipboard_clear_secs", "5", "5"),
        ("clipboard_clear_secs", "600s", "600"),
        ("reveal_timeout_secs", " 300 ", "300"),
        ("reminders", "OFF", "off"),
        ("reminders", "yes", "on"),
        ("reminder_days", "1,365", "365,1"),
        ("theme", "light", "light"),
    ] {
        let now = core.set_setting(name, value).expect(value);
        assert_eq!(now.get(name).expect(name), shown, "{name}={value}");
        let read = core.settings().expect("read back");
        assert_eq!(read.get(name).expect(name), shown, "{name}={value} stored");
    }
}

#[test]
fn an_invalid_value_is_refused_and_changes_nothing() {
    let (core, _vault) = core();
    core.set_setting("clipboard_clear_secs", "45").expect("45");
    let before = core.settings().expect("settings");
    for (name, value) in [
        ("clipboard_clear_secs", "4"),
        ("clipboard_clear_secs", "601"),
        ("reveal_timeout_secs", "301"),
        ("reminders", "sometimes"),
        ("reminder_days", "7,7"),
        ("theme", "sepia"),
    ] {
        let err = core.set_setting(name, value).expect_err(value);
        assert_eq!(err.code().as_str(), "validation");
        assert_eq!(err.field_name(), Some(name), "{name}={value}: {err}");
        assert_eq!(core.settings().expect("settings"), before, "{name}={value}");
    }
    let err = core.set_setting("font_size", "12").expect_err("unknown");
    assert!(
        err.to_string().contains("theme"),
        "lists the settings: {err}"
    );
    assert!(core.reset_setting("font_size").is_err());

    // A whole settings page is saved all or nothing.
    let mut page = before.clone();
    page.theme = Theme::Dark;
    page.reveal_timeout_secs = 1;
    assert!(core.save_settings(&page).is_err());
    assert_eq!(core.settings().expect("settings"), before);
}

#[test]
fn a_stored_value_that_no_longer_validates_falls_back_to_its_default() {
    let (core, _vault) = core();
    core.store()
        .put_settings(&[
            ("reveal_timeout_secs", Some("0".to_owned())),
            ("theme", Some("dark".to_owned())),
            ("setting_from_a_newer_keymint", Some("x".to_owned())),
        ])
        .expect("rows written by hand");
    let s = core.settings().expect("settings still load");
    assert_eq!(s.reveal_timeout_secs, 20);
    assert_eq!(s.theme, Theme::Dark);
}

#[test]
fn settings_survive_a_restart_and_reset_to_defaults() {
    let dir = std::env::temp_dir().join(format!("keymint-settings-{}", crate::store::new_id()));
    let open = || Keymint::open(dir.clone(), Arc::new(MemoryVault::default())).expect("open");
    let page = Settings {
        clipboard_clear_secs: 90,
        reminders: false,
        reminder_days: vec![3, 30],
        theme: Theme::Dark,
        ..Settings::default()
    };
    let saved = open().save_settings(&page).expect("save");
    assert_eq!(saved.reminder_days, vec![30, 3], "largest first");

    let later = open();
    let read = later.settings().expect("read");
    assert_eq!(read.clipboard_clear_secs, 90);
    assert!(!read.reminders);
    assert_eq!(read.reminder_days, vec![30, 3]);
    assert_eq!(read.theme, Theme::Dark);
    let reset = later.reset_setting("theme").expect("reset");
    assert_eq!(reset.theme, Theme::System);
    assert_eq!(reset.clipboard_clear_secs, 90, "only the one setting");
    drop(later);
    assert_eq!(open().settings().expect("read").theme, Theme::System);
    let _ = std::fs::remove_dir_all(dir);
}
