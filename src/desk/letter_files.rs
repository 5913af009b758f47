//! Removing the citizen's letters wherever they were written.
//!
//! Each clerk writes letters in a directory of their own (`SPORTELLO_LETTERS_DIR`), 0600 files
//! in 0700 directories owned by their OS user: nobody else can remove them, and the citizen
//! completes (portal), or the helpdesk erases (registered letters), from other processes. So
//! every letter is recorded by path with its registration and operation (sql/V1, V5), and removal
//! is a sweep of one letters directory: the letters recorded under it whose operation is over
//! (completed, discarded by a new booking) or whose registration is gone (erased). A process
//! sweeps its own directory right after its own completions, bookings and erasures, and every
//! command of a desk or helpdesk login sweeps that clerk's directory when it starts: the letters
//! another process left behind go at the owning clerk's next command.

use std::path::Path;

use deadpool_postgres::GenericClient;

use crate::error::Result;
use crate::store::operation_letters;

/// Removes the letters under `dir` no longer needed and forgets them; returns how many went.
/// A directory that does not exist holds none.
pub async fn sweep(c: &impl GenericClient, dir: &Path) -> Result<usize> {
    let Ok(canonical) = dir.canonicalize() else { return Ok(0) };
    let prefix = format!("{}/", canonical.display());
    let due = operation_letters::due(c, &prefix).await?;
    if due.is_empty() {
        return Ok(0);
    }
    let gone = tokio::task::spawn_blocking(move || crate::files::remove_letters(&canonical, &due))
        .await
        .map_err(|e| crate::Error::Internal(crate::msg!("letters-render-failed", detail = e.to_string())))?;
    operation_letters::forget(c, &gone).await?;
    Ok(gone.len())
}

/// [`sweep`] after a change has committed: the change stands whatever happens here, so a
/// failure is logged, and the letters are left for the next sweep.
pub async fn sweep_after(db: &crate::store::Database, dir: &Path) {
    let result = match db.client().await {
        Ok(c) => sweep(&c, dir).await,
        Err(e) => Err(e),
    };
    if let Err(e) = result {
        tracing::warn!(letters = %dir.display(), "letters no longer needed left for the next sweep: {e}");
    }
}
