// The Tasks view's tooltip in another language: every sentence goes through the translator the
// view passes (vscode.l10n there), with the values filled in; English when none is passed.
import { strict as assert } from 'node:assert';
import type { TaskRecord } from '../../../src/shared/model';
import { ENGLISH, taskTooltipMarkdown, type Translator } from '../../../src/extension/ui/markdownText';

const task: TaskRecord = {
  id: 7, envId: 'docs', kind: 'backup', trigger: 'manual', status: 'failed', queuedAt: Date.UTC(2026, 10, 28, 10), startedAt: null, finishedAt: null,
  progress: null, result: { archivePath: '/b/docs.tar.gz', size: 2048, fileCount: 3 }, error: 'disk full', skipReason: null, warnings: 0, logCount: 0, lastSeq: 0, revision: 1,
};

describe('Tasks view tooltip: translation', () => {
  const german: Record<string, string> = {
    '#{0} {1} of {2}': '#{0} {1} von {2}',
    'Queued {0}': 'Eingereiht {0}',
    'Error: {0}': 'Fehler: {0}',
    'Archive: {0} ({1}, {2} files)': 'Archiv: {0} ({1}, {2} Dateien)',
  };
  const de: Translator = { t: (m, ...args) => ENGLISH.t(german[m] ?? m, ...args) };

  it('passes each sentence through the translator, values filled into its placeholders', () => {
    const md = taskTooltipMarkdown(task, 'Docs', 'fehlgeschlagen', de, 'Sicherung', 'manuell');
    assert.match(md, /^\*\*#7 Sicherung von Docs\*\* — fehlgeschlagen \(manuell\)/);
    assert.match(md, /Eingereiht 2026-11-28/);
    assert.match(md, /Fehler: disk full/);
    assert.match(md, /Archiv: `\/b\/docs\.tar\.gz` \(2(\.0)? KB, 3 Dateien\)/);
  });

  it('reads as before in English', () => {
    const md = taskTooltipMarkdown(task, 'Docs', 'failed');
    assert.match(md, /^\*\*#7 backup of Docs\*\* — failed \(manual\)/);
    assert.match(md, /Error: disk full/);
    assert.match(md, /Archive: `\/b\/docs\.tar\.gz` \(.*, 3 files\)/);
  });
});
