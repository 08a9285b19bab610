// The Task Log's message lookup: a translated text when the bundle has one, the English message
// otherwise, {n} filled from the arguments (and left alone when an argument is missing).
import { strict as assert } from 'node:assert';
import { format, kindName, statusName, t } from '../../../src/webview/l10n';

describe('webview l10n', () => {
  const de = { 'Task #{0}: {1} of {2} — {3}': 'Aufgabe #{0}: {1} von {2} — {3}', succeeded: 'erfolgreich', '{0} lines shown': '{0} Zeilen' };

  it('takes the translation and fills its placeholders, in the translation\'s order', () => {
    assert.equal(format(de, 'Task #{0}: {1} of {2} — {3}', [7, 'Sicherung', 'Docs', 'erfolgreich']), 'Aufgabe #7: Sicherung von Docs — erfolgreich');
    assert.equal(format({ '{0} of {1}': '{1}: {0}' }, '{0} of {1}', ['a', 'b']), 'b: a');
  });

  it('falls back to the English message, and keeps a placeholder without an argument', () => {
    assert.equal(format(de, 'Follow', []), 'Follow');
    assert.equal(format({}, '{0} lines shown', [3]), '3 lines shown');
    assert.equal(format({}, '{0} and {1}', ['x']), 'x and {1}');
    assert.equal(format({ Follow: 42 } as unknown as Record<string, string>, 'Follow', []), 'Follow', 'a non-string entry is ignored');
  });

  it('outside a page (no document) speaks English', () => {
    assert.equal(t('{0} files', 12), '12 files');
    assert.equal(statusName('succeeded'), 'succeeded');
    assert.equal(kindName('verify'), 'verify');
  });
});
