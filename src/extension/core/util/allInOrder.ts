// Promise.all for independent steps started side by side, whose failure the user should see
// as if they had run one after the other: when several fail, the first one listed is reported,
// not whichever failed first (which would vary from run to run).
export async function allInOrder<T extends readonly unknown[]>(steps: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(steps);
  for (const s of settled) if (s.status === 'rejected') throw s.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as unknown as T;
}
