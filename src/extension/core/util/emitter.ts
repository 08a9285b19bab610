// A minimal event emitter with VS Code's shape (subscribe returns a disposable), so the core can
// raise events without importing `vscode` and the adapter can forward them 1:1.
export interface Disposable {
  dispose(): void;
}

export class Emitter<T> {
  private listeners = new Set<(value: T) => void>();

  readonly event = (listener: (value: T) => void): Disposable => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };

  fire(value: T): void {
    for (const l of [...this.listeners]) {
      try {
        l(value);
      } catch {
        // One broken listener must not stop the others (or the task that fired the event).
      }
    }
  }

  dispose(): void {
    this.listeners.clear();
  }
}
