// "Add Environment…": a guided input (type, source, destination, schedule, name) that writes a
// validated entry into the user's settings. Given an entry object (from code or tests) it skips
// the questions but validates the same way.
import * as os from 'node:os';
import * as vscode from 'vscode';
import { formatDateTime } from '../../shared/format';
import { parseEnvironments, ENV_ID_PATTERN } from '../core/environments/parse';
import { cronError, describeSchedule, nextRuns } from '../core/scheduler/cron';
import type { Backups } from '../core/backups';
import { addEnvironmentEntry, workspaceFolderPath } from '../config';

const PRESETS = [
  { label: 'Every hour', cron: '0 * * * *' },
  { label: 'Every day at 02:00', cron: '0 2 * * *' },
  { label: 'Every weekday at 18:00', cron: '0 18 * * 1-5' },
  { label: 'Every Sunday at 03:00', cron: '0 3 * * 0' },
  { label: 'Every 15 minutes', cron: '*/15 * * * *' },
];

export async function addEnvironment(service: Backups, arg: unknown): Promise<string | undefined> {
  const given = arg && typeof arg === 'object' && !Array.isArray(arg) ? (arg as Record<string, unknown>) : undefined;
  const entry = given ?? (await ask(service));
  if (!entry) return undefined;
  const [parsed] = parseEnvironments([entry], { workspaceFolder: workspaceFolderPath(), home: os.homedir(), env: process.env });
  const taken = service.environments().some((e) => (e.valid ? e.environment.id : e.id) === entry.id);
  const errors = [...(parsed.valid ? [] : parsed.errors), ...(taken ? [`id "${String(entry.id)}" is already used`] : [])];
  if (errors.length) {
    void vscode.window.showErrorMessage(`Backup Scheduler: the environment was not added: ${errors.join('; ')}`);
    return undefined;
  }
  await addEnvironmentEntry(entry);
  void vscode.window.showInformationMessage(`Backup Scheduler: added "${String(entry.name)}". ${describeSchedule(String(entry.schedule))}.`);
  return String(entry.id);
}

async function ask(service: Backups): Promise<Record<string, unknown> | undefined> {
  const title = 'Add Environment';
  const type = await vscode.window.showQuickPick(
    [
      { label: '$(folder) Folder', description: 'archive a folder as .tar.gz', value: 'folder' },
      { label: '$(terminal) Command', description: 'run a shell command that writes a dump to $BACKUP_FILE', value: 'command' },
    ],
    { title: `${title} (1/5): what to back up` },
  );
  if (!type) return undefined;
  const entry: Record<string, unknown> = { type: type.value };
  if (type.value === 'folder') {
    const src = await vscode.window.showOpenDialog({ title: `${title} (2/5): folder to back up`, canSelectFolders: true, canSelectFiles: false, defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri });
    if (!src?.[0]) return undefined;
    entry.source = src[0].fsPath;
  } else {
    const command = await vscode.window.showInputBox({ title: `${title} (2/5): command`, prompt: 'Runs in the workspace folder; write the dump to "$BACKUP_FILE".', placeHolder: 'pg_dump mydb > "$BACKUP_FILE"', validateInput: (v) => (v.trim() ? undefined : 'A command is required') });
    if (!command) return undefined;
    entry.command = command;
  }
  const dst = await vscode.window.showOpenDialog({ title: `${title} (3/5): destination folder for the archives`, canSelectFolders: true, canSelectFiles: false, openLabel: 'Use as destination' });
  if (!dst?.[0]) return undefined;
  entry.destination = dst[0].fsPath;
  const schedule = await pickSchedule(`${title} (4/5): schedule`);
  if (!schedule) return undefined;
  entry.schedule = schedule;
  const base = String(entry.source ?? 'dump').split(/[\\/]/).filter(Boolean).pop() ?? 'backup';
  const name = await vscode.window.showInputBox({ title: `${title} (5/5): name`, value: base, validateInput: (v) => (v.trim() ? undefined : 'A name is required') });
  if (!name) return undefined;
  entry.name = name.trim();
  entry.id = uniqueId(slug(name), service);
  return { id: entry.id, name: entry.name, type: entry.type, ...(entry.source ? { source: entry.source } : {}), ...(entry.command ? { command: entry.command } : {}), destination: entry.destination, schedule: entry.schedule };
}

async function pickSchedule(title: string): Promise<string | undefined> {
  const custom = { label: '$(edit) Custom cron…', cron: '' };
  const pick = await vscode.window.showQuickPick([...PRESETS.map((p) => ({ ...p, description: p.cron })), custom], { title });
  if (!pick) return undefined;
  if (pick !== custom) return pick.cron;
  const box = vscode.window.createInputBox();
  box.title = title;
  box.placeholder = 'minute hour day month weekday, e.g. 30 2 * * *';
  return new Promise((resolve) => {
    const check = () => {
      const v = box.value.trim();
      const err = v ? cronError(v) : 'Enter 5 fields (or 6 with seconds first)';
      box.validationMessage = err;
      box.prompt = err ? undefined : `${describeSchedule(v)} — next: ${nextRuns(v, undefined, Date.now(), 2).map(formatDateTime).join(', ')}`;
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
  const used = new Set(service.environments().map((e) => (e.valid ? e.environment.id : e.id)));
  let id = base;
  for (let i = 2; used.has(id); i++) id = `${base}-${i}`;
  return id;
}
