// The one place that knows which component library the webview uses. @vscode/webview-ui-toolkit
// was deprecated on 2025-01-01; moving to @vscode-elements/elements means changing this file (the
// registration and the tag names in TAGS), nothing else.
//
// Used: button, checkbox, text field. Not used: vscode-dropdown. Checked in Chromium with Lit: when
// its options are replaced in the same update as its value (our environment filter: the saved
// filter is restored before the environment list arrives), it silently falls back to the first
// option ("All") while the filter stays active, and fires no change event. The filters, page size
// and log level are therefore native <select> elements styled with the --vscode-dropdown-* colours.
import { provideVSCodeDesignSystem, vsCodeButton, vsCodeCheckbox, vsCodeTextField } from '@vscode/webview-ui-toolkit';
import { literal } from 'lit/static-html.js';

let registered = false;

/** Registers the components the Task Log uses (idempotent: a second define would throw). */
export function registerToolkit(): void {
  if (registered) return;
  registered = true;
  provideVSCodeDesignSystem().register(vsCodeButton(), vsCodeCheckbox(), vsCodeTextField());
}

/** Tag names for Lit's static templates (`html` from lit/static-html.js), so they too live only here. */
export const TAGS = {
  button: literal`vscode-button`,
  checkbox: literal`vscode-checkbox`,
  textField: literal`vscode-text-field`,
} as const;
