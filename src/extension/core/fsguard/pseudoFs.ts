// Kernel file systems that look like folders but store nothing (/proc, /sys and friends). A
// destination there can never hold a backup, and Node 20's recursive mkdir spins for ever on
// them, so they are recognised before anything is created: by the file system's magic number
// (statfs), or where statfs says nothing (other platforms, old kernels) by the usual mount points.
import { sep } from 'node:path';

/** Linux statfs f_type values (linux/magic.h) of file systems that are not storage. */
const PSEUDO_MAGIC: ReadonlyMap<number, string> = new Map([
  [0x9fa0, 'proc'],
  [0x62656572, 'sysfs'],
  [0x64626720, 'debugfs'],
  [0x74726163, 'tracefs'],
  [0x73636673, 'securityfs'],
  [0x27e0eb, 'cgroup'],
  [0x63677270, 'cgroup2'],
  [0x1cd1, 'devpts'],
  [0xcafe4a11, 'bpf'],
  [0x6165676c, 'pstore'],
  [0xde5e81e4, 'efivarfs'],
  [0x62656570, 'configfs'],
  [0x65735543, 'fusectl'],
  [0xf97cff8c, 'selinuxfs'],
  [0x42494e4d, 'binfmt_misc'],
  [0x19800202, 'mqueue'],
  [0x50495045, 'pipefs'],
  [0x534f434b, 'sockfs'],
]);

const PSEUDO_ROOTS = ['/proc', '/sys'];

export function pseudoFsName(magic: number): string | undefined {
  return PSEUDO_MAGIC.get(magic);
}

/** The pseudo file system a path lies on by its place in the tree alone (Linux mount points). */
export function pseudoFsByPath(path: string, platform: NodeJS.Platform = process.platform): string | undefined {
  if (platform !== 'linux' || sep !== '/') return undefined;
  const root = PSEUDO_ROOTS.find((r) => path === r || path.startsWith(`${r}/`));
  return root ? (root === '/proc' ? 'proc' : 'sysfs') : undefined;
}
