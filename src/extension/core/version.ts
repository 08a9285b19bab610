// This build's version: esbuild writes package.json's version into every bundle (esbuild.mjs
// `define`); code run from out/ by the tests has none and says 'dev'.
export const VERSION: string = process.env.BACKUP_SCHEDULER_VERSION ?? 'dev';
