export class MemoryState {
  readonly map = new Map<string, string>();
  getState(key: string): string | undefined {
    return this.map.get(key);
  }
  setState(key: string, value: string): void {
    this.map.set(key, value);
  }
}
