// Occurrence claim keys accept every id the core uses (a per-folder `<id>@<folder key>` too),
// and nothing that could name a path outside the claims folder.
import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { claimOccurrence, occurrenceKey, pruneOccurrenceClaims, releaseOccurrence } from '../../../src/extension/core/leader/occurrenceClaims';

describe('occurrence claim keys', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'bs-claims-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('claims, refuses a second claim of, releases and prunes the occurrence of a per-folder environment', () => {
    const key = occurrenceKey('notes@app-1a2b3c', 1_795_000_000_000);
    assert.equal(claimOccurrence(dir, key), true);
    assert.equal(claimOccurrence(dir, key), false);
    releaseOccurrence(dir, key);
    assert.equal(existsSync(join(dir, key)), false);
    assert.equal(claimOccurrence(dir, key), true);
    assert.equal(pruneOccurrenceClaims(dir, -1, Date.now()), 1);
  });

  it('refuses keys that are not an id and an occurrence', () => {
    for (const bad of ['../x@1', 'a@b@c@1', 'Notes@1', 'notes', `${'x'.repeat(200)}@1`]) {
      assert.throws(() => claimOccurrence(dir, bad), /not an occurrence key/, bad);
    }
  });
});
