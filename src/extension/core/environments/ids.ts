// Environment ids, in one place: every file name, tag, URI and claim key built from an id checks
// it against these, so a per-folder id (`notes@app-1a2b3c`) is accepted everywhere alike.

/** An id as the user writes it in the settings. */
export const ENV_ID_PATTERN = /^[a-z0-9_-]+$/;

/** An id as the core uses it: the user's id, plus `@<folder key>` for an environment bound to a workspace folder. */
export const RESOLVED_ID_PATTERN = /^[a-z0-9_-]+(@[a-z0-9_-]+)?$/;
