//! Tauri commands: parse, call the core, map the error, return. No business logic here.

use keymint_core::clipboard::SecretClipboard;
use keymint_core::descriptor::Descriptor;
use keymint_core::model::{Account, Event, KeyRecord};
use keymint_core::service::{AccountInput, CreateInput, Credential, ImportInput};
use keymint_core::store::{KeyPage, KeyQuery};
use keymint_core::team::TeamStore;
use keymint_core::{providers, Error, ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, State, WebviewWindow};
use ts_rs::TS;

use crate::confirm;
use crate::error::CmdResult;
use crate::state::AppState;
use crate::team_sync::StoreSync;

/// An account form from the UI; the credential is converted to a secret at once.
#[derive(Deserialize, TS)]
#[ts(optional_fields)]
pub struct AccountForm {
    #[serde(flatten)]
    account: AccountInput,
    #[serde(default)]
    credential: Option<String>,
    #[serde(default)]
    client_cert_pem: Option<String>,
    #[serde(default)]
    client_key_pem: Option<String>,
}

impl AccountForm {
    fn split(self) -> (AccountInput, Option<Credential>) {
        let credential = match (self.client_cert_pem, self.client_key_pem, self.credential) {
            (Some(cert), Some(key), _) if !cert.trim().is_empty() => {
                Some(Credential::ClientCertificate {
                    cert_pem: cert,
                    key_pem: SecretString::from(key),
                })
            }
            (_, _, Some(c)) if !c.is_empty() => Some(Credential::Secret(SecretString::from(c))),
            _ => None,
        };
        (self.account, credential)
    }
}

#[tauri::command]
pub fn list_providers() -> Vec<&'static Descriptor> {
    providers::REGISTRY.iter().map(|p| p.descriptor()).collect()
}

#[tauri::command]
pub fn list_accounts(state: State<'_, AppState>) -> CmdResult<Vec<Account>> {
    Ok(state.core()?.accounts()?)
}

/// A base URL other than the provider's default is confirmed by the user in a native dialog
/// first (`confirm`): the page cannot choose where a credential goes.
#[tauri::command]
pub async fn add_account(
    window: WebviewWindow,
    state: State<'_, AppState>,
    input: AccountForm,
) -> CmdResult<Account> {
    let (account, credential) = input.split();
    let credential =
        credential.ok_or_else(|| Error::field("credential", "enter the account's credential"))?;
    let core = state.core()?;
    let usual = confirm::default_origin(&account.provider, &account.fields);
    if let Some(origin) = confirm::needs_confirmation(account.base_url.as_deref(), usual.as_deref())
    {
        confirm::confirm_destination(&window, &origin).await?;
    }
    Ok(core.add_account(account, credential).await?)
}

/// An edit that moves the account to another origin needs the credential again (the core
/// refuses it otherwise) and, with it, the user's confirmation in a native dialog.
#[tauri::command]
pub async fn update_account(
    window: WebviewWindow,
    state: State<'_, AppState>,
    name: String,
    input: AccountForm,
) -> CmdResult<Account> {
    let (mut account, credential) = input.split();
    let core = state.core()?;
    let current = core.account(&name)?;
    // The web view never receives the stored CA, so a form without one keeps it (the field's
    // help says so); only a new certificate replaces it.
    if account
        .ca_cert_pem
        .as_deref()
        .is_none_or(|pem| pem.trim().is_empty())
    {
        account.ca_cert_pem.clone_from(&current.ca_cert_pem);
    }
    if credential.is_some() {
        // The origin the account uses now; the new one is the form's base URL or, without
        // one, the provider's default for the form's fields.
        let before = confirm::origin_of(&current.base_url);
        let after = confirm::effective_origin(
            &account.provider,
            account.base_url.as_deref(),
            &account.fields,
        );
        if let Some(origin) = after.filter(|after| before.as_ref() != Some(after)) {
            confirm::confirm_destination(&window, &origin).await?;
        }
    }
    Ok(core.update_account(&name, account, credential).await?)
}

#[tauri::command]
pub async fn remove_account(
    state: State<'_, AppState>,
    name: String,
    forget_keys: bool,
) -> CmdResult<()> {
    Ok(state.core()?.remove_account(&name, forget_keys).await?)
}

/// Async, and the query on a blocking thread: SQLite never runs on the main thread, where
/// Tauri runs synchronous commands (and input and painting wait for them).
#[tauri::command]
pub async fn list_keys(state: State<'_, AppState>, query: KeyQuery) -> CmdResult<KeyPage> {
    let core = state.core()?;
    let page = tauri::async_runtime::spawn_blocking(move || core.store().key_page(&query))
        .await
        .map_err(|_| Error::Internal("the inventory query stopped unexpectedly".to_owned()))??;
    Ok(page)
}

/// The shown-once result. `key` is null when the secret could not be recorded: then
/// `secret` is the only copy.
#[derive(Serialize, TS)]
#[ts(rename = "Created")]
pub struct CreatedView {
    key: Option<KeyRecord>,
    secret: String,
    stored: bool,
    warnings: Vec<String>,
}

#[tauri::command]
pub async fn create_key(state: State<'_, AppState>, input: CreateInput) -> CmdResult<CreatedView> {
    let core = state.core()?;
    let created = cancellable(&state, async move { core.create_key(input).await }).await?;
    Ok(CreatedView::from(created))
}

/// Creates the successor of key `id` with the same form; the old key becomes superseded.
#[tauri::command]
pub async fn rotate_key(state: State<'_, AppState>, id: String) -> CmdResult<CreatedView> {
    let core = state.core()?;
    let rotated = cancellable(&state, async move { core.rotate_key(&id, None).await }).await?;
    Ok(CreatedView::from(rotated.created))
}

/// Runs a create as a task that `cancel_create` can stop.
async fn cancellable<T: Send + 'static>(
    state: &AppState,
    work: impl std::future::Future<Output = Result<T, Error>> + Send + 'static,
) -> Result<T, Error> {
    let task = tokio::spawn(work);
    if let Ok(mut pending) = state.pending.lock() {
        *pending = Some(task.abort_handle());
    }
    let outcome = task.await;
    if let Ok(mut pending) = state.pending.lock() {
        *pending = None;
    }
    outcome.map_err(|e| Error::from_join(&e, "the create request"))?
}

impl From<keymint_core::service::Created> for CreatedView {
    fn from(created: keymint_core::service::Created) -> Self {
        Self {
            key: created.key,
            secret: created.secret.expose_secret().to_owned(),
            stored: created.stored,
            warnings: created.warnings,
        }
    }
}

#[tauri::command]
pub fn cancel_create(state: State<'_, AppState>) {
    if let Ok(mut pending) = state.pending.lock() {
        if let Some(handle) = pending.take() {
            handle.abort();
        }
    }
}

/// What the UI needs to show the "Copied" toast.
#[derive(Serialize, TS)]
pub struct Copied {
    clear_after_secs: u64,
}

#[tauri::command]
pub async fn copy_key(state: State<'_, AppState>, id: String) -> CmdResult<Copied> {
    let core = state.core()?;
    let clear_after = std::time::Duration::from_secs(core.settings()?.clipboard_clear_secs.into());
    let secret = core.key_secret(&id, "copied").await?;
    let clip = tokio::task::spawn_blocking(move || SecretClipboard::copy(secret))
        .await
        .map_err(|e| Error::from_join(&e, "the clipboard copy"))??;
    std::thread::spawn(move || clip.hold_then_clear(clear_after));
    Ok(Copied {
        clear_after_secs: clear_after.as_secs(),
    })
}

/// Quits the app (Ctrl+Q in the window): with "keep running in the background" on, closing
/// the window only hides it, and a desktop without a tray has no other way to quit.
#[tauri::command]
pub fn quit_app(app: AppHandle) {
    app.exit(0);
}

/// Hides the quick access palette (its Escape, or after a copy). Granted to the palette only.
#[tauri::command]
pub fn hide_palette(app: AppHandle) {
    crate::quick_access::hide(&app);
}

/// Puts a key's reference (`keymint://ACCOUNT/LABEL`) on the clipboard and returns it. A
/// reference is not a secret: no clear timer, no audit event.
#[tauri::command]
pub async fn copy_reference(state: State<'_, AppState>, id: String) -> CmdResult<String> {
    let key = state.core()?.resolve_key(&id)?;
    let reference = key.reference.clone();
    let clip = tokio::task::spawn_blocking(move || {
        keymint_core::clipboard::TextClipboard::copy(&key.reference)
    })
    .await
    .map_err(|e| Error::from_join(&e, "the clipboard copy"))??;
    if let Ok(mut held) = state.reference_clipboard.lock() {
        *held = Some(clip);
    }
    Ok(reference)
}

/// The one way a stored secret reaches the web view: counted against the reveal limit before
/// the keychain is asked, and recorded as a `revealed` event (by `key_secret`).
#[tauri::command]
pub async fn reveal_key(state: State<'_, AppState>, id: String) -> CmdResult<String> {
    let core = state.core()?;
    state.reveals.acquire()?;
    let secret = core.key_secret(&id, "revealed").await?;
    Ok(secret.expose_secret().to_owned())
}

#[tauri::command]
pub async fn forget_key(state: State<'_, AppState>, id: String) -> CmdResult<()> {
    state.core()?.forget_key(&id).await?;
    Ok(())
}

/// An import form; the secret is converted at once.
#[derive(Deserialize, TS)]
#[ts(rename = "ImportKeyInput")]
pub struct ImportForm {
    #[serde(flatten)]
    key: ImportInput,
    secret: String,
}

#[tauri::command]
pub async fn import_key(state: State<'_, AppState>, input: ImportForm) -> CmdResult<KeyRecord> {
    let secret = SecretString::from(input.secret);
    Ok(state.core()?.import_key(input.key, secret).await?)
}

#[tauri::command]
pub fn key_events(state: State<'_, AppState>, id: String) -> CmdResult<Vec<Event>> {
    Ok(state.core()?.key_events(&id)?)
}

/// Whether the keychain works, and if not, why.
#[derive(Serialize, TS)]
#[ts(optional_fields)]
pub struct KeychainStatus {
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<keymint_core::ErrorCode>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
}

#[tauri::command]
pub async fn keychain_status(state: State<'_, AppState>) -> CmdResult<KeychainStatus> {
    let core = state.core()?;
    let probe = tokio::task::spawn_blocking(move || core.vault().probe())
        .await
        .map_err(|e| Error::from_join(&e, "the keychain check"))?;
    Ok(match probe {
        Ok(()) => KeychainStatus {
            ok: true,
            code: None,
            message: None,
        },
        Err(e) => KeychainStatus {
            ok: false,
            code: Some(e.code()),
            message: Some(e.to_string()),
        },
    })
}

/// The team stores with the outcome of their last sync. On a blocking thread, as `list_keys`:
/// a sync writing its keys holds the inventory for a moment.
#[tauri::command]
pub async fn list_team_stores(state: State<'_, AppState>) -> CmdResult<Vec<TeamStore>> {
    let core = state.core()?;
    let stores = tokio::task::spawn_blocking(move || core.team_stores())
        .await
        .map_err(|e| Error::from_join(&e, "the team store listing"))??;
    Ok(stores)
}

/// Syncs the team store `store` now, or every one without it (after the sync running, if
/// any); one report or typed error per store.
#[tauri::command]
pub async fn sync_team_stores(
    app: AppHandle,
    state: State<'_, AppState>,
    store: Option<String>,
) -> CmdResult<Vec<StoreSync>> {
    let core = state.core()?;
    Ok(state.team_sync.run(&app, &core, store.as_deref()).await?)
}
