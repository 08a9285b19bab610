// Whether a process of this machine still exists, from its pid alone (signal 0 delivers nothing).
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to another user; not ours, but alive.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
