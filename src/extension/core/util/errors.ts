// One way to stop on cancel everywhere: the TaskManager tells a cancelled task from a failed one
// by the signal, the user reads the message.
export class CancelledError extends Error {
  override name = 'AbortError';
  constructor(what: string) {
    super(`${what} cancelled`);
  }
}

export function throwIfAborted(signal: AbortSignal, what: string): void {
  if (signal.aborted) throw new CancelledError(what);
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export function errCode(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

/** The time limit's error when the TaskManager aborted `signal` for it (it aborts cancels the same way). */
export function abortedByTimeout(signal: AbortSignal): Error | undefined {
  const r: unknown = signal.aborted ? signal.reason : undefined;
  return r instanceof Error && r.name === 'TimeoutError' ? r : undefined;
}
