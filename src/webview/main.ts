// Placeholder entry of the webview bundle until the Task Log app lands here.
export {};
