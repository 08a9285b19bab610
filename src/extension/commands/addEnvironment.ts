// "Add Environment…": a guided input (type, source, destination, schedule, name) that writes a
// validated entry into the user's settings. Given an entry object (from code or tests) it skips
// the questions but validates the same way.
import * as os from 'node:os';
import * as vscode from 'vscode';
import { formatDateTime } from '../../shared/format';
import { parseEnvironments, ENV_ID_PATTERN } from '../core/environments/parse';
import { cronError, describeSchedule, nextRuns } from '../core/scheduler/cron';
import type { Backups } from '../core/backups';
import { addEnvironmentEntry, settingsId, workspaceFolderPath } from '../config';
import { localRepositoryExists } from './repository';

// A function: the labels are looked up in the user's language when the picker opens.
const presets = () => [
  { label: vscode.l10n.t('Every hour'), cron: '0 * * * *' },
  { label: vscode.l10n.t('Every day at 02:00'), cron: '0 2 * * *' },
  { label: vscode.l10n.t('Every weekday at 18:00'), cron: '0 18 * * 1-5' },
  { label: vscode.l10n.t('Every Sunday at 03:00'), cron: '0 3 * * 0' },
  { label: vscode.l10n.t('Every 15 minutes'), cron: '*/15 * * * *' },
];

export async function addEnvironment(service: Backups, arg: unknown, secrets?: vscode.SecretStorage): Promise<string | undefined> {
  const given = arg && typeof arg === 'object' && !Array.isArray(arg) ? (arg as Record<string, unknown>) : undefined;
  const entry = given ?? (await ask(service));
  if (!entry) return undefined;
  const [parsed] = parseEnvironments([entry], { workspaceFolder: workspaceFolderPath(), home: os.homedir(), env: process.env });
  // Ids as the settings hold them: a per-folder environment `notes@app-1a2b3c` is the entry `notes`.
  const taken = service.environments().some((e) => settingsId((e.valid ? e.environment.id : e.id) ?? '') === entry.id);
  const errors = [...(parsed.valid ? [] : parsed.errors), ...(taken ? [vscode.l10n.t('id "{0}" is already used', String(entry.id))] : [])];
  if (errors.length) {
    void vscode.window.showErrorMessage(vscode.l10n.t('Backup Scheduler: the environment was not added: {0}', errors.join('; ')));
    return undefined;
  }
  await addEnvironmentEntry(entry);
  void vscode.window.showInformationMessage(vscode.l10n.t('Backup Scheduler: added "{0}". {1}.', String(entry.name), describeSchedule(String(entry.schedule))));
  const id = await resolvedId(service, String(entry.id));
  if (!given && secrets && parsed.valid && parsed.environment.engine === 'restic') await offerRepositorySetup(id, parsed.environment.repository ?? '', entry.passwordFile === undefined && entry.passwordCommand === undefined);
  return id;
}

async function ask(service: Backups): Promise<Record<string, unknown> | undefined> {
  // cmd.exe does not expand $BACKUP_FILE: Windows users are shown the form their shell reads.
  const file = process.platform === 'win32' ? '%BACKUP_FILE%' : '$BACKUP_FILE';
  const shell = process.platform === 'win32' ? 'cmd.exe' : '/bin/sh';
  const type = await vscode.window.showQuickPick(
    [
      { label: `$(folder) ${vscode.l10n.t('Folder')}`, description: vscode.l10n.t('archive a folder as .tar.gz'), value: 'folder' },
      { label: `$(terminal) ${vscode.l10n.t('Command')}`, description: vscode.l10n.t('run a shell command that writes a dump to {0}', file), value: 'command' },
    ],
    { title: vscode.l10n.t('Add Environment (1/5): what to back up') },
  );
  if (!type) return undefined;
  const entry: Record<string, unknown> = { type: type.value };
  if (type.value === 'folder') {
    const src = await vscode.window.showOpenDialog({ title: vscode.l10n.t('Add Environment (2/5): folder to back up'), canSelectFolders: true, canSelectFiles: false, defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri });
    if (!src?.[0]) return undefined;
    entry.source = src[0].fsPath;
  } else {
    const command = await vscode.window.showInputBox({ title: vscode.l10n.t('Add Environment (2/5): command'), prompt: vscode.l10n.t('Runs in the workspace folder through {0}; write the dump to "{1}". Keep passwords out of it (a password file, ~/.pgpass).', shell, file), placeHolder: `pg_dump mydb > "${file}"`, validateInput: (v) => (v.trim() ? undefined : vscode.l10n.t('A command is required')) });
    if (!command) return undefined;
    entry.command = command;
  }
  const engine = await vscode.window.showQuickPick(
    [
      { label: `$(file-zip) ${vscode.l10n.t('Archive')}`, description: vscode.l10n.t('one .tar.gz or dump file per backup, in a local or mounted folder'), detail: vscode.l10n.t('Nothing to install; every backup is complete in itself.'), value: 'archive' },
      { label: '$(database) restic', description: vscode.l10n.t('deduplicated, encrypted, incremental snapshots'), detail: vscode.l10n.t('Local or remote repository (sftp:, rest:, s3:, b2:, rclone:, …); needs the restic program.'), value: 'restic' },
    ],
    { title: vscode.l10n.t('Add Environment (3/5): how to store the backups') },
  );
  if (!engine) return undefined;
  if (engine.value === 'restic') {
    const storage = await askRestic();
    if (!storage) return undefined;
    Object.assign(entry, storage);
  } else {
    const dst = await vscode.window.showOpenDialog({ title: vscode.l10n.t('Add Environment (3/5): destination folder for the archives'), canSelectFolders: true, canSelectFiles: false, openLabel: vscode.l10n.t('Use as destination') });
    if (!dst?.[0]) return undefined;
    entry.destination = dst[0].fsPath;
  }
  const schedule = await pickSchedule(vscode.l10n.t('Add Environment (4/5): schedule'));
  if (!schedule) return undefined;
  entry.schedule = schedule;
  const base = String(entry.source ?? 'dump').split(/[\\/]/).filter(Boolean).pop() ?? 'backup';
  const name = await vscode.window.showInputBox({ title: vscode.l10n.t('Add Environment (5/5): name'), value: base, validateInput: (v) => (v.trim() ? undefined : vscode.l10n.t('A name is required')) });
  if (!name) return undefined;
  entry.name = name.trim();
  entry.id = uniqueId(slug(name), service);
  const { id, name: n, type: t, source, command, schedule: s, ...storage } = entry;
  return { id, name: n, type: t, ...(source ? { source } : {}), ...(command ? { command } : {}), ...storage, schedule: s };
}

/** The restic part of the guided input: repository and where its password comes from. */
async function askRestic(): Promise<Record<string, unknown> | undefined> {
  const repository = await vscode.window.showInputBox({
    title: vscode.l10n.t('Add Environment (3/5): restic repository'),
    prompt: vscode.l10n.t('A local folder, or sftp:user@host:/path, rest:https://host/repo, s3:…, b2:…, rclone:remote:path'),
    placeHolder: '~/restic-repo',
    ignoreFocusOut: true,
    validateInput: (v) => (v.trim() ? undefined : vscode.l10n.t('A repository is required')),
  });
  if (!repository) return undefined;
  const source = await vscode.window.showQuickPick(
    [
      { label: vscode.l10n.t('Ask me once, keep it in VS Code\'s secret storage'), value: 'secret' },
      { label: vscode.l10n.t('A password file…'), description: 'restic --password-file', value: 'file' },
      { label: vscode.l10n.t('A password command…'), description: vscode.l10n.t('restic --password-command, e.g. pass show restic'), value: 'command' },
    ],
    { title: vscode.l10n.t('Add Environment (3/5): repository password') },
  );
  if (!source) return undefined;
  const out: Record<string, unknown> = { engine: 'restic', repository: repository.trim() };
  if (source.value === 'file') {
    const f = await vscode.window.showOpenDialog({ title: vscode.l10n.t('Password file'), canSelectFiles: true, canSelectFolders: false });
    if (!f?.[0]) return undefined;
    out.passwordFile = f[0].fsPath;
  } else if (source.value === 'command') {
    const c = await vscode.window.showInputBox({ title: vscode.l10n.t('Password command'), prompt: vscode.l10n.t('Prints the password on its standard output'), ignoreFocusOut: true, validateInput: (v) => (v.trim() ? undefined : vscode.l10n.t('A command is required')) });
    if (!c) return undefined;
    out.passwordCommand = c.trim();
  }
  return out;
}

/** After adding a restic environment: its password (when kept by us) and, if needed, `init`. */
/**
 * The id the new entry runs under, once the settings change has reached the environments: the
 * entry's own, or the first `<id>@<folder>` when it follows the workspace folder.
 */
async function resolvedId(service: Backups, raw: string): Promise<string> {
  for (let i = 0; i < 20; i++) {
    const hit = service.environments().find((e) => e.valid && settingsId(e.environment.id) === raw);
    if (hit?.valid) return hit.environment.id;
    await new Promise((r) => setTimeout(r, 100));
  }
  return raw;
}

async function offerRepositorySetup(envId: string, repository: string, askPassword: boolean): Promise<void> {
  if (askPassword) await vscode.commands.executeCommand('backupScheduler.setRepositoryPassword', { envId });
  const exists = localRepositoryExists(repository);
  if (exists === true) return;
  const init = vscode.l10n.t('Initialize Repository');
  const answer = await vscode.window.showInformationMessage(
    exists === false
      ? vscode.l10n.t('{0} is not a restic repository yet. Initialize it now?', repository)
      : vscode.l10n.t('Is {0} a new repository? Initialize it before the first backup.', repository),
    init,
    vscode.l10n.t('It Already Exists'),
  );
  if (answer === init) await vscode.commands.executeCommand('backupScheduler.initRepository', { envId });
}

async function pickSchedule(title: string): Promise<string | undefined> {
  const custom = { label: `$(edit) ${vscode.l10n.t('Custom cron…')}`, cron: '' };
  const pick = await vscode.window.showQuickPick([...presets().map((p) => ({ ...p, description: p.cron })), custom], { title });
  if (!pick) return undefined;
  if (pick !== custom) return pick.cron;
  const box = vscode.window.createInputBox();
  box.title = title;
  box.placeholder = vscode.l10n.t('minute hour day month weekday, e.g. 30 2 * * *');
  return new Promise((resolve) => {
    const check = () => {
      const v = box.value.trim();
      const err = v ? cronError(v) : vscode.l10n.t('Enter 5 fields (or 6 with seconds first)');
      box.validationMessage = err;
      box.prompt = err ? undefined : vscode.l10n.t('{0} — next: {1}', describeSchedule(v), nextRuns(v, undefined, Date.now(), 2).map(formatDateTime).join(', '));
    };
    box.onDidChangeValue(check);
    box.onDidAccept(() => {
      if (!cronError(box.value.trim())) {
        resolve(box.value.trim());
        box.hide();
      }
    });
    box.onDidHide(() => {
      resolve(undefined);
      box.dispose();
    });
    check();
    box.show();
  });
}

function slug(name: string): string {
  const s = name.toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '');
  return ENV_ID_PATTERN.test(s) ? s : 'backup';
}

function uniqueId(base: string, service: Backups): string {
  const used = new Set(service.environments().map((e) => settingsId((e.valid ? e.environment.id : e.id) ?? '')));
  let id = base;
  for (let i = 2; used.has(id); i++) id = `${base}-${i}`;
  return id;
}
