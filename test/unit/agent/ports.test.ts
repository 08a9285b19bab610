// The agent's ports: the capped file logger and the in-memory secrets a window hands over.
import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileLogger } from '../../../src/extension/core/agent/fileLogger';
import { MemorySecrets } from '../../../src/extension/core/agent/memorySecrets';

describe('agent ports', () => {
  it('the file logger keeps at most two files of maxBytes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bs-log-'));
    try {
      const path = join(dir, 'agent', 'agent.log');
      const log = fileLogger({ path, maxBytes: 2000 });
      for (let i = 0; i < 500; i++) log.info(`line ${i} ${'x'.repeat(40)}`);
      assert.ok(statSync(path).size <= 2000);
      assert.ok(statSync(`${path}.1`).size <= 2000);
      assert.match(readFileSync(path, 'utf8'), /line 499/);
      assert.ok(!existsSync(`${path}.2`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a secret no window handed over fails with what to do, and is listed until one does', async () => {
    const seen: string[][] = [];
    const s = new MemorySecrets((m) => seen.push(m));
    await assert.rejects(s.get('restic.password:/repo'), /open VS Code once, or use passwordFile\/passwordCommand/);
    assert.deepEqual(s.waitingFor(), ['restic.password:/repo']);
    s.set({ 'restic.password:/repo': 'pw' });
    assert.equal(await s.get('restic.password:/repo'), 'pw');
    assert.deepEqual(s.waitingFor(), []);
    assert.deepEqual(seen, [['restic.password:/repo'], []]);
  });
});
