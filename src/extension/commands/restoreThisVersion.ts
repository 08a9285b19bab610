// "Restore This Version": the backup's copy of a file becomes the file's content again, saved to
// disk, after the user said yes. UTF-8 text on both sides is one text edit that Undo in the
// editor takes back. Anything else (binary, UTF-16, a NUL byte, a BOM) cannot be undone in an
// editor that may not exist: its current bytes are first copied to the extension's storage
// (keptDir, the newest KEEP_COPIES kept), the dialog says where, and the file is deleted through
// a workspace edit and written again, so an Undo that does reach it (an editor of a UTF-16 file)
// restores the exact old bytes (a create over a file would be undone by deleting it). A missing
// file is created.
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { BACKUP_SCHEME } from '../core/browse/backupUri';
import { isText, lineEnding } from '../core/browse/compareMarks';
import { locationOf, message } from '../ui/backupFileSystem';
import { optionsFrom } from './args';
import { currentFileOf, exists, findRef, toUri, whenText, type BrowseDeps } from './browseDeps';

const KEEP_COPIES = 50;

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
  const how = await planFor(target, bytes);
  const keptAs = how === 'bytes' ? path.join(deps.keptDir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${path.basename(target.fsPath)}`) : undefined;
  if (opts.confirm !== false) {
    const ref = await findRef(deps.backups, loc.envId, loc.backupId);
    const dirty = vscode.workspace.textDocuments.some((d) => d.isDirty && d.uri.toString() === target.toString());
    const restore = vscode.l10n.t('Restore');
    const answer = await vscode.window.showWarningMessage(
      vscode.l10n.t('Restore {0} to its version of {1}?', rel, whenText(ref)),
      {
        modal: true,
        detail: keptAs
          ? dirty
            ? vscode.l10n.t('{0} is replaced by the backup\'s content. Its current content, unsaved changes included (they are saved first), is not UTF-8 text, which an editor\'s Undo may not reach: it is copied first to {1}.', target.fsPath, keptAs)
            : vscode.l10n.t('{0} is replaced by the backup\'s content. Its current content is not UTF-8 text, which an editor\'s Undo may not reach: it is copied first to {1}.', target.fsPath, keptAs)
          : dirty
            ? vscode.l10n.t('{0} gets the backup\'s content and is saved, unsaved changes included. Undo (Ctrl+Z / Cmd+Z) in its editor brings the current content back.', target.fsPath)
            : vscode.l10n.t('{0} gets the backup\'s content and is saved. Undo (Ctrl+Z / Cmd+Z) in its editor brings the current content back.', target.fsPath),
      },
      restore,
    );
    if (answer !== restore) return false;
  }
  try {
    if (keptAs) {
      // Unsaved changes in an editor of the file (a UTF-16 text) go into the copy, not away with the delete.
      const open = vscode.workspace.textDocuments.find((d) => d.isDirty && d.uri.toString() === target.toString());
      if (open && !(await open.save())) throw new Error(vscode.l10n.t('its unsaved changes could not be saved first'));
      await keepCopy(target, keptAs, deps.keptDir);
    }
    // Deleting the file closes its editors: the ones that showed it show it again, so Undo is at hand.
    const shown = how === 'bytes' ? vscode.window.visibleTextEditors.filter((e) => e.document.uri.toString() === target.toString()).map((e) => e.viewColumn) : [];
    const done = how === 'text' ? await applyText(target, bytes) : await applyBytes(target, bytes, how === 'bytes');
    for (const viewColumn of shown) await vscode.window.showTextDocument(target, { viewColumn, preview: false });
    if (!done) void vscode.window.showInformationMessage(vscode.l10n.t('Backup Scheduler: {0} is already the same as in the backup.', rel));
    else if (keptAs) void vscode.window.showInformationMessage(vscode.l10n.t('Backup Scheduler: {0} restored; its previous content is kept in {1}.', rel, keptAs));
    return true;
  } catch (err) {
    void vscode.window.showErrorMessage(vscode.l10n.t('Backup Scheduler: could not restore {0}: {1}', rel, message(err)));
    return false;
  }
}

/** 'create': nothing there; 'text': UTF-8 text now and in the backup (re-encoding is exact); 'bytes': anything else. */
async function planFor(target: vscode.Uri, bytes: Uint8Array): Promise<'create' | 'text' | 'bytes'> {
  if (!(await exists(target))) return 'create';
  const now = await vscode.workspace.fs.readFile(target);
  return exactText(now) && exactText(bytes) ? 'text' : 'bytes';
}

const UTF8_BOM = [0xef, 0xbb, 0xbf];

/** UTF-8 that an editor and a save give back byte for byte (no BOM, which the decoder drops). */
function exactText(b: Uint8Array): boolean {
  return isText(b) && !UTF8_BOM.every((x, i) => b[i] === x);
}

/** The file's current bytes, copied before anything replaces them; the oldest copies beyond KEEP_COPIES go. */
async function keepCopy(target: vscode.Uri, to: string, dir: string): Promise<void> {
  await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
  await fsp.writeFile(to, await vscode.workspace.fs.readFile(target), { mode: 0o600, flag: 'wx' });
  const names = (await fsp.readdir(dir)).sort();
  for (const old of names.slice(0, Math.max(0, names.length - KEEP_COPIES))) await fsp.rm(path.join(dir, old), { force: true });
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

/**
 * Creates a missing file (Undo deletes it). An existing one is deleted by a workspace edit, whose
 * Undo recreates it from the bytes VS Code read before deleting, and then written with the
 * backup's bytes. Not a delete and a create in one edit: VS Code 1.100 undoes an edit's file
 * operations in the order they were made, so that Undo would recreate the old file before the new
 * one is gone, and fail. `overwrite` (honoured by VS Code, absent from the API's type) lets that
 * recreation replace the restored file. Redo deletes the file again without writing the backup's
 * bytes (the write is not part of the edit); Undo then recreates it, and the kept copy holds it too.
 */
async function applyBytes(target: vscode.Uri, bytes: Uint8Array, replace: boolean): Promise<boolean> {
  const edit = new vscode.WorkspaceEdit();
  const meta = { label: vscode.l10n.t('Restore from backup'), needsConfirmation: false };
  if (!replace) {
    edit.createFile(target, { contents: bytes }, meta);
    if (!(await vscode.workspace.applyEdit(edit))) throw new Error('VS Code refused the edit');
    return true;
  }
  const now = await vscode.workspace.fs.readFile(target);
  if (now.length === bytes.length && now.every((b, i) => b === bytes[i])) return false;
  edit.deleteFile(target, { overwrite: true } as { recursive?: boolean }, meta);
  if (!(await vscode.workspace.applyEdit(edit))) throw new Error('VS Code refused the edit');
  await vscode.workspace.fs.writeFile(target, bytes);
  return true;
}

/** Applies UTF-8 text as one text edit that Undo takes back, and saves; false when the file already had it. */
async function applyText(target: vscode.Uri, bytes: Uint8Array): Promise<boolean> {
  const edit = new vscode.WorkspaceEdit();
  const meta = { label: vscode.l10n.t('Restore from backup'), needsConfirmation: false };
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
