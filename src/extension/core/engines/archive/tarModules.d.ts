// node-tar's header and pax modules on their own: its package index loads the whole library
// (about 15 ms), which the restore worker paid before its first byte. The package exports these
// subpaths; this tsconfig's module resolution does not read `exports`, so their types are named here.
declare module 'tar/header' {
  export { Header, type HeaderData } from 'tar';
}
declare module 'tar/pax' {
  export { Pax } from 'tar';
}
