// Prepared statements over a sql.js Database, kept and reused: preparing costs more than running
// most of the store's statements. Values are always bound, never spliced into SQL text.
import type { Database, SqlValue, Statement } from 'sql.js';

export class SqlRunner {
  private readonly statements = new Map<string, Statement>();

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
    return out;
  }

  first(sql: string, params: SqlValue[]): SqlValue[] | undefined {
    const s = this.statement(sql);
    try {
      s.bind(params);
      return s.step() ? s.get() : undefined;
    } finally {
      s.reset();
    }
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
  }

  /** All or nothing, and one journal commit instead of one per statement. */
  transaction(fn: () => void): void {
    this.db.exec('BEGIN');
    try {
      fn();
      this.db.exec('COMMIT');
    } catch (e) {
      this.db.exec('ROLLBACK');
      throw e;
    }
  }

  freeAll(): void {
    for (const s of this.statements.values()) s.free();
    this.statements.clear();
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
