// "Restore This Version": the backup's copy of a file becomes the file's content again, as one
// edit that Undo takes back (a text edit for a text file, a file operation for bytes or a file
// that is gone), saved to disk, after the user said yes.
import * as vscode from 'vscode';
import { BACKUP_SCHEME } from '../core/browse/backupUri';
import { isText, lineEnding } from '../core/browse/compareMarks';
import { locationOf, message } from '../ui/backupFileSystem';
import { optionsFrom } from './args';
import { currentFileOf, exists, findRef, toUri, whenText, type BrowseDeps } from './browseDeps';

interface RestoreVersionOptions {
  backupUri: string | vscode.Uri;
  targetUri: string | vscode.Uri;
  /** false: no confirmation (tests, scripts). */
  confirm: boolean;
}

/** Returns true when the file now holds the backup's content. */
export async function restoreThisVersion(deps: BrowseDeps, arg: unknown): Promise<boolean> {
  const opts = optionsFrom<RestoreVersionOptions>(arg);
  // From the title bar of a diff, VS Code passes the focused side's URI: the file, or the backup.
  const given = arg instanceof vscode.Uri ? arg : undefined;
  const pair = versionPair(deps, toUri(opts.backupUri) ?? (given?.scheme === BACKUP_SCHEME ? given : undefined), toUri(opts.targetUri) ?? given);
  if (!pair) {
    void vscode.window.showWarningMessage(vscode.l10n.t('Backup Scheduler: "Restore This Version" works in a diff opened by "Compare with Backup…" or on a file opened from a backup.'));
    return false;
  }
  const { backup, target } = pair;
  const loc = locationOf(backup);
  const rel = vscode.workspace.asRelativePath(target);
  let bytes: Uint8Array;
  try {
    bytes = await vscode.workspace.fs.readFile(backup);
  } catch (err) {
    void vscode.window.showErrorMessage(vscode.l10n.t('Backup Scheduler: cannot read {0} from the backup: {1}', loc.path, message(err)));
    return false;
  }
  if (opts.confirm !== false) {
    const ref = await findRef(deps.backups, loc.envId, loc.backupId);
    const dirty = vscode.workspace.textDocuments.some((d) => d.isDirty && d.uri.toString() === target.toString());
    const restore = vscode.l10n.t('Restore');
    const answer = await vscode.window.showWarningMessage(
      vscode.l10n.t('Restore {0} to its version of {1}?', rel, whenText(ref)),
      {
        modal: true,
        detail: dirty
          ? vscode.l10n.t('{0} gets the backup\'s content and is saved, unsaved changes included. Undo (Ctrl+Z / Cmd+Z) in its editor brings the current content back.', target.fsPath)
          : vscode.l10n.t('{0} gets the backup\'s content and is saved. Undo (Ctrl+Z / Cmd+Z) in its editor brings the current content back.', target.fsPath),
      },
      restore,
    );
    if (answer !== restore) return false;
  }
  try {
    const done = await applyVersion(target, bytes);
    if (!done) void vscode.window.showInformationMessage(vscode.l10n.t('Backup Scheduler: {0} is already the same as in the backup.', rel));
    return true;
  } catch (err) {
    void vscode.window.showErrorMessage(vscode.l10n.t('Backup Scheduler: could not restore {0}: {1}', rel, message(err)));
    return false;
  }
}

/**
 * The backup file and the file it restores: both given; or the diff showing `target` (the title
 * bar's action may belong to a group that is not the active one); or the active diff; or a
 * backup: file with its place in the environment's source.
 */
function versionPair(deps: BrowseDeps, backup: vscode.Uri | undefined, target: vscode.Uri | undefined): { backup: vscode.Uri; target: vscode.Uri } | undefined {
  if (backup?.scheme === BACKUP_SCHEME && target && target.scheme !== BACKUP_SCHEME) return { backup, target };
  if (!backup) {
    const diff = activeBackupDiffs().find((d) => !target || d.modified.toString() === target.toString());
    if (diff) return { backup: diff.original, target: diff.modified };
    const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
    if (input instanceof vscode.TabInputText && input.uri.scheme === BACKUP_SCHEME) backup = input.uri;
  }
  if (backup?.scheme !== BACKUP_SCHEME) return undefined;
  const loc = locationOf(backup);
  const to = currentFileOf(deps.backups.environment(loc.envId), loc);
  return to ? { backup, target: to } : undefined;
}

/** The diffs against a backup shown in any editor group, the active group's first. */
function activeBackupDiffs(): vscode.TabInputTextDiff[] {
  const groups = [vscode.window.tabGroups.activeTabGroup, ...vscode.window.tabGroups.all.filter((g) => !g.isActive)];
  return groups.flatMap((g) => {
    const input = g.activeTab?.input;
    return input instanceof vscode.TabInputTextDiff && input.original.scheme === BACKUP_SCHEME ? [input] : [];
  });
}

/** Applies the content as one undoable edit and saves; false when the file already had it. */
async function applyVersion(target: vscode.Uri, bytes: Uint8Array): Promise<boolean> {
  const edit = new vscode.WorkspaceEdit();
  const meta = { label: vscode.l10n.t('Restore from backup'), needsConfirmation: false };
  const there = await exists(target);
  const textNow = there && isText(await vscode.workspace.fs.readFile(target));
  if (!there || !textNow || !isText(bytes)) {
    edit.createFile(target, { overwrite: true, contents: bytes }, meta);
    if (!(await vscode.workspace.applyEdit(edit))) throw new Error('VS Code refused the edit');
    return true;
  }
  const doc = await vscode.workspace.openTextDocument(target);
  const text = new TextDecoder('utf-8').decode(bytes);
  const eol = lineEnding(text);
  const wantEol = eol === 'crlf' ? vscode.EndOfLine.CRLF : eol === 'lf' ? vscode.EndOfLine.LF : doc.eol;
  if (doc.getText() === text && doc.eol === wantEol && !doc.isDirty) return false;
  const all = new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length));
  const edits = [vscode.TextEdit.replace(all, text)];
  if (wantEol !== doc.eol) edits.push(vscode.TextEdit.setEndOfLine(wantEol));
  edit.set(target, edits.map((e) => [e, meta] as [vscode.TextEdit, vscode.WorkspaceEditEntryMetadata]));
  if (!(await vscode.workspace.applyEdit(edit))) throw new Error('VS Code refused the edit');
  if (!(await doc.save())) throw new Error('the restored content could not be saved');
  return true;
}
