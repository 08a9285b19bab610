// Theme colours of the status tones used by present.ts, shared by the table and the detail pane.
import { css } from 'lit';

export const statusStyles = css`
  .glyph { display: inline-block; width: 1.2em; text-align: center; }
  .glyph.ok { color: var(--vscode-testing-iconPassed, var(--vscode-charts-green)); }
  .glyph.error { color: var(--vscode-testing-iconFailed, var(--vscode-errorForeground)); }
  .glyph.warn { color: var(--vscode-editorWarning-foreground); }
  .glyph.idle { color: var(--vscode-descriptionForeground); }
  .glyph.busy { color: var(--vscode-progressBar-background); animation: spin 1.2s linear infinite; }
  @keyframes spin { to { transform: rotate(360deg); } }
  @media (prefers-reduced-motion: reduce) { .glyph.busy { animation: none; } }
`;
