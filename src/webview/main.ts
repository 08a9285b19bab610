// Entry of the webview bundle (dist/webview.js): registers the components and mounts the app.
import type { VsCodeApi } from './hostBus';
import { registerToolkit } from './toolkit';
import { BsTaskLog } from './bs-task-log';

declare function acquireVsCodeApi(): VsCodeApi;

// acquireVsCodeApi may be called once per page load; everything else gets this instance.
const api = acquireVsCodeApi();

// Errors inside the webview are invisible to the user and the developer alike: send them to the host's log.
window.addEventListener('error', (e) => api.postMessage({ type: 'log', level: 'error', message: String(e.message).slice(0, 2000) }));
window.addEventListener('unhandledrejection', (e) => api.postMessage({ type: 'log', level: 'error', message: String(e.reason).slice(0, 2000) }));

registerToolkit();
document.body.append(new BsTaskLog(api));
