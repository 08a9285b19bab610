// The Getting Started walkthrough as the extension host sees it: contributed with its steps and
// their markdown pages, every step completed by an event that can really happen (a command this
// extension registers, a setting it declares), and openable through VS Code's own command.
// That a step turns complete in the Welcome page is checked in the workbench (test/ui/walkthrough).
import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { contributes, extension, EXTENSION_ID, until } from './manifest';

interface Step { id: string; title: string; description: string; media: { markdown?: string }; completionEvents: string[] }
interface Walkthrough { id: string; title: string; description: string; steps: Step[] }

const walkthroughs = (): Walkthrough[] => extension().packageJSON.contributes.walkthroughs;

describe('walkthrough', () => {
  before(() => until(() => extension().isActive));

  it('contributes "gettingStarted": add an environment, run it, the Task Log, compare/restore, pick an engine, the background agent', () => {
    assert.deepEqual(walkthroughs().map((w) => w.id), ['gettingStarted']);
    const [w] = walkthroughs();
    assert.deepEqual(w.steps.map((s) => s.id), ['addEnvironment', 'runNow', 'taskLog', 'compareRestore', 'engine', 'backgroundAgent']);
    // The host resolved the %key% placeholders from package.nls.json.
    for (const text of [w.title, w.description, ...w.steps.flatMap((s) => [s.title, s.description])]) {
      assert.doesNotMatch(text, /^%.*%$/, text);
    }
    assert.equal(w.title, 'Get Started with Backup Scheduler');
  });

  it('gives every step a markdown page that is in the extension', () => {
    for (const s of walkthroughs()[0].steps) {
      assert.ok(s.media.markdown, `${s.id} has markdown media`);
      assert.ok(existsSync(join(extension().extensionPath, s.media.markdown)), `${s.media.markdown} exists`);
    }
  });

  it('completes each step on a real event: a registered command of ours or a setting we declare', async () => {
    const registered = new Set(await vscode.commands.getCommands(true));
    const settings = new Set(Object.keys(contributes().configuration.properties));
    for (const s of walkthroughs()[0].steps) {
      assert.ok(s.completionEvents.length > 0, `${s.id} has a completion event`);
      for (const e of s.completionEvents) {
        const [kind, arg] = [e.slice(0, e.indexOf(':')), e.slice(e.indexOf(':') + 1)];
        if (kind === 'onCommand') assert.ok(registered.has(arg) && arg.startsWith('backupScheduler.'), `${s.id}: ${arg} is a registered command of ours`);
        else if (kind === 'onSettingChanged') assert.ok(settings.has(arg), `${s.id}: ${arg} is a declared setting`);
        else assert.fail(`${s.id}: unexpected completion event ${e}`);
      }
      // The step's own button runs a command that exists.
      for (const [, cmd] of s.description.matchAll(/\(command:([\w.]+)/g)) assert.ok(registered.has(cmd), `${s.id}: button command ${cmd}`);
    }
  });

  it('opens through VS Code\'s openWalkthrough command, and a step\'s command runs from it', async () => {
    await vscode.commands.executeCommand('workbench.action.openWalkthrough', `${EXTENSION_ID}#gettingStarted`, false);
    // The Task Log step completes on this command; running it must work with the walkthrough open.
    await vscode.commands.executeCommand('backupScheduler.openTaskLog');
    await until(() => vscode.window.tabGroups.all.some((g) => g.tabs.some((t) => t.label === 'Task Log')));
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
});
