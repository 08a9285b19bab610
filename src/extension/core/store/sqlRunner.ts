// Prepared statements over a sql.js Database, kept and reused: preparing costs more than running
// most of the store's statements. Values are always bound, never spliced into SQL text.
// Every statement the store runs passes here, so this is also the one funnel through which each
// write reaches the store worker's replica (replica.ts): a write made any other way would let the
// copy that is saved drift from the one that is read.
import type { Database, SqlValue, Statement } from 'sql.js';

/** Told of each write statement after it succeeded, in order (transaction control included). */
export type WriteJournal = (sql: string, params: SqlValue[]) => void;

/** A plain SELECT or a PRAGMA that only reads (no value, no argument); everything else writes. */
export function isReadOnlySql(sql: string): boolean {
  return /^\s*(SELECT\b|PRAGMA\s+\w+\s*;?\s*$)/i.test(sql);
}

export class SqlRunner {
  private readonly statements = new Map<string, Statement>();
  /** Set while a replica follows this database. */
  journal: WriteJournal | undefined;
  /** Writes run so far: a replica may start from the opened bytes only while this is 0. */
  writes = 0;

  /** A small cap, because filter combinations make many distinct page queries. */
  constructor(
    private readonly db: Database,
    private readonly cacheSize = 64,
  ) {}

  rows(sql: string, params: SqlValue[]): SqlValue[][] {
    const s = this.statement(sql);
    const out: SqlValue[][] = [];
    try {
      s.bind(params);
      while (s.step()) out.push(s.get());
    } finally {
      s.reset();
    }
    this.wrote(sql, params);
    return out;
  }

  first(sql: string, params: SqlValue[]): SqlValue[] | undefined {
    const s = this.statement(sql);
    let row: SqlValue[] | undefined;
    try {
      s.bind(params);
      row = s.step() ? s.get() : undefined;
    } finally {
      s.reset();
    }
    this.wrote(sql, params);
    return row;
  }

  scalar(sql: string, params: SqlValue[]): SqlValue | undefined {
    return this.first(sql, params)?.[0];
  }

  run(sql: string, params: SqlValue[]): void {
    const s = this.statement(sql);
    try {
      s.bind(params);
      s.step();
    } finally {
      s.reset();
    }
    this.wrote(sql, params);
  }

  /** A statement not worth keeping prepared (a PRAGMA, a delete of one slice's ids). */
  exec(sql: string, params: SqlValue[] = []): void {
    // Without parameters every step runs (PRAGMA incremental_vacuum frees its pages one step each).
    if (params.length) this.db.run(sql, params);
    else this.db.exec(sql);
    this.wrote(sql, params);
  }

  /** Rows changed by the last write (sql.js counts them per connection). */
  rowsModified(): number {
    return this.db.getRowsModified();
  }

  /** All or nothing, and one journal commit instead of one per statement. */
  transaction(fn: () => void): void {
    this.exec('BEGIN');
    try {
      fn();
      this.exec('COMMIT');
    } catch (e) {
      this.exec('ROLLBACK');
      throw e;
    }
  }

  freeAll(): void {
    for (const s of this.statements.values()) s.free();
    this.statements.clear();
  }

  private wrote(sql: string, params: SqlValue[]): void {
    if (isReadOnlySql(sql)) return;
    this.writes++;
    this.journal?.(sql, params);
  }

  private statement(sql: string): Statement {
    let s = this.statements.get(sql);
    if (s) return s;
    if (this.statements.size >= this.cacheSize) {
      const [oldSql, old] = this.statements.entries().next().value as [string, Statement];
      old.free();
      this.statements.delete(oldSql);
    }
    s = this.db.prepare(sql);
    this.statements.set(sql, s);
    return s;
  }
}
