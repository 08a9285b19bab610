// File systems whose calls can hang for minutes or for ever (a server gone, a FUSE daemon stuck).
// On them the walk never uses a synchronous call: one that hangs would hold the whole extension
// host, where an asynchronous one holds a pool thread the guard accounts for.
import { promises as fsp } from 'node:fs';

/** Linux statfs f_type values (linux/magic.h and the file systems' own headers). */
const NETWORK_MAGIC = new Set([
  0x6969, // nfs
  0x517b, // smb
  0xff534d42, // cifs
  0xfe534d42, // smb2
  0x65735546, // fuse (sshfs, rclone mount, cloud-sync clients)
  0x01021997, // 9p (WSL, VMs)
  0x00c36400, // ceph
  0x5346414f, // afs
  0x73757245, // coda
  0x564c, // ncp
  0x7461636f, // ocfs2
  0x01161970, // gfs2
  0x0bd00bd0, // lustre
]);

export function isNetworkFsMagic(magic: number): boolean {
  return NETWORK_MAGIC.has(magic);
}

/** True when `path` is on a network or FUSE file system (Linux); false when unknown. */
export async function onNetworkFs(path: string, run: <T>(fn: () => Promise<T>) => Promise<T>): Promise<boolean> {
  if (process.platform !== 'linux') return false;
  const st = await run(() => fsp.statfs(path)).catch(() => undefined);
  return st ? isNetworkFsMagic(st.type) : false;
}
