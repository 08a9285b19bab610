// Commands are invoked three ways: from the palette (no argument: ask with a picker), from a
// tree item (the item), and from code or tests (a plain id or an options object). These turn
// whichever arrived into what the handler needs.

export function envIdFrom(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  if (arg && typeof arg === 'object') {
    const o = arg as { envId?: unknown; entry?: { valid?: boolean; environment?: { id?: unknown } } };
    if (typeof o.envId === 'string') return o.envId;
  }
  return undefined;
}

export function taskIdFrom(arg: unknown): number | undefined {
  if (typeof arg === 'number' && Number.isInteger(arg)) return arg;
  if (arg && typeof arg === 'object') {
    const o = arg as { taskId?: unknown; task?: { id?: unknown } };
    if (typeof o.taskId === 'number') return o.taskId;
    if (o.task && typeof o.task.id === 'number') return o.task.id;
  }
  return undefined;
}

export function optionsFrom<T extends object>(arg: unknown): Partial<T> {
  return arg && typeof arg === 'object' && !Array.isArray(arg) ? (arg as Partial<T>) : {};
}
