// The one place that knows which component library the webview uses. @vscode/webview-ui-toolkit
// was deprecated on 2025-01-01; moving to @vscode-elements/elements means changing this file and
// the tag names in TAGS, nothing else.
import {
  provideVSCodeDesignSystem, vsCodeBadge, vsCodeButton, vsCodeCheckbox, vsCodeDivider, vsCodeDropdown, vsCodeOption, vsCodeTextField,
} from '@vscode/webview-ui-toolkit';
import { literal } from 'lit/static-html.js';

let registered = false;

/** Registers the components the Task Log uses (idempotent: a second define would throw). */
export function registerToolkit(): void {
  if (registered) return;
  registered = true;
  provideVSCodeDesignSystem().register(
    vsCodeBadge(), vsCodeButton(), vsCodeCheckbox(), vsCodeDivider(), vsCodeDropdown(), vsCodeOption(), vsCodeTextField(),
  );
}

/** Tag names for Lit's static templates (`html` from lit/static-html.js), so they too live only here. */
export const TAGS = {
  badge: literal`vscode-badge`,
  button: literal`vscode-button`,
  checkbox: literal`vscode-checkbox`,
  divider: literal`vscode-divider`,
  dropdown: literal`vscode-dropdown`,
  option: literal`vscode-option`,
  textField: literal`vscode-text-field`,
} as const;
