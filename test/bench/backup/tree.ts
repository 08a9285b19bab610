// Reproducible benchmark tree: a seeded PRNG makes the same bytes on every machine and run.
// Thousands of small, compressible text files in nested folders plus a few large random
// (incompressible) files, about 200 MB in all.
import { mkdirSync, readdirSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** mulberry32: small, fast, good enough for test data. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface TreeSpec {
  /** Bump when the generator changes, so an old tree is regenerated. */
  version: number;
  seed: number;
  textFiles: number;
  /** Mean size of a text file, bytes. */
  textMean: number;
  randomFiles: number;
  randomSize: number;
}

export const DEFAULT_TREE: TreeSpec = { version: 2, seed: 20261128, textFiles: 5000, textMean: 24 * 1024, randomFiles: 10, randomSize: 8 * 1024 * 1024 };

const WORDS = 'the backup scheduler writes archive folder file task retention restore verify const let function return import export class interface async await promise buffer stream error warning info debug true false null undefined number string value index length size time date zone'.split(' ');

function randomBytes(rand: () => number, n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i + 4 <= n; i += 4) b.writeUInt32LE((rand() * 4294967296) >>> 0, i);
  for (let i = n - (n % 4); i < n; i++) b[i] = (rand() * 256) | 0;
  return b;
}

function text(rand: () => number, n: number): string {
  const parts: string[] = [];
  let len = 0;
  while (len < n) {
    const line: string[] = [];
    const words = 4 + ((rand() * 10) | 0);
    for (let i = 0; i < words; i++) line.push(rand() < 0.1 ? String((rand() * 100000) | 0) : WORDS[(rand() * WORDS.length) | 0]);
    const s = `${'  '.repeat((rand() * 4) | 0)}${line.join(' ')};\n`;
    parts.push(s);
    len += s.length;
  }
  return parts.join('').slice(0, n);
}

/** Generates the tree into `root` unless a marker says the same spec is already there. */
export function generateTree(root: string, spec: TreeSpec = DEFAULT_TREE): { files: number; bytes: number } {
  const marker = join(root, '..', `${root.split('/').pop()}.spec.json`);
  const key = JSON.stringify(spec);
  if (existsSync(marker) && readFileSync(marker, 'utf8') === key && existsSync(root) && readdirSync(root).length) {
    return JSON.parse(readFileSync(`${marker}.stats`, 'utf8')) as { files: number; bytes: number };
  }
  const rand = prng(spec.seed);
  let files = 0;
  let bytes = 0;
  mkdirSync(root, { recursive: true });
  for (let i = 0; i < spec.textFiles; i++) {
    const dir = join(root, `pkg${i % 20}`, `mod${(i >> 3) % 25}`);
    mkdirSync(dir, { recursive: true });
    const size = Math.max(16, Math.round(-Math.log(1 - rand()) * spec.textMean));
    const body = text(rand, size);
    writeFileSync(join(dir, `file${i}.txt`), body);
    files++;
    bytes += Buffer.byteLength(body);
  }
  mkdirSync(join(root, 'media'), { recursive: true });
  for (let i = 0; i < spec.randomFiles; i++) {
    const b = randomBytes(rand, spec.randomSize);
    writeFileSync(join(root, 'media', `blob${i}.bin`), b);
    files++;
    bytes += b.length;
  }
  writeFileSync(marker, key);
  writeFileSync(`${marker}.stats`, JSON.stringify({ files, bytes }));
  return { files, bytes };
}

export interface ManyFilesSpec {
  /** Bump when the generator changes, so an old tree is regenerated. */
  version: number;
  seed: number;
  packages: number;
  /** Mean size of a file, bytes (sizes are skewed: most are small, a few are larger). */
  fileMean: number;
}

/** Shaped like a node_modules folder: ~620 packages of ~25 small files each (>= 15k files, a few KB). */
export const MANY_FILES_TREE: ManyFilesSpec = { version: 1, seed: 20261202, packages: 620, fileMean: 3 * 1024 };

/** Generates the many-small-files tree into `root` unless a marker says the same spec is already there. */
export function generateManyFiles(root: string, spec: ManyFilesSpec = MANY_FILES_TREE): { files: number; bytes: number } {
  const marker = join(root, '..', `${root.split('/').pop()}.spec.json`);
  const key = JSON.stringify(spec);
  if (existsSync(marker) && readFileSync(marker, 'utf8') === key && existsSync(root) && readdirSync(root).length) {
    return JSON.parse(readFileSync(`${marker}.stats`, 'utf8')) as { files: number; bytes: number };
  }
  const rand = prng(spec.seed);
  let files = 0;
  let bytes = 0;
  const put = (dir: string, name: string, body: string) => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, name), body);
    files++;
    bytes += Buffer.byteLength(body);
  };
  const size = () => Math.max(40, Math.round(-Math.log(1 - rand()) * spec.fileMean));
  for (let p = 0; p < spec.packages; p++) {
    // Every tenth package nests a dependency of its own, as npm does on a version conflict.
    const pkg = p % 10 === 9 ? join(root, 'node_modules', `pkg-${p - 1}`, 'node_modules', `pkg-${p}`) : join(root, 'node_modules', `pkg-${p}`);
    put(pkg, 'package.json', `{\n  "name": "pkg-${p}",\n  "version": "1.${p % 7}.${p % 13}",\n  "main": "lib/index.js"\n}\n`);
    put(pkg, 'README.md', text(rand, size()));
    put(pkg, 'LICENSE', 'MIT License\n\nPermission is hereby granted, free of charge, to any person obtaining a copy of this software.\n');
    const libs = 8 + ((rand() * 10) | 0);
    for (let i = 0; i < libs; i++) put(join(pkg, 'lib'), `mod${i}.js`, text(rand, size()));
    for (let i = 0; i < 4; i++) put(join(pkg, 'dist'), `bundle${i}.js`, text(rand, size()));
    for (let i = 0; i < 6; i++) put(join(pkg, 'types'), `mod${i}.d.ts`, text(rand, size() >> 1));
  }
  writeFileSync(marker, key);
  writeFileSync(`${marker}.stats`, JSON.stringify({ files, bytes }));
  return { files, bytes };
}
