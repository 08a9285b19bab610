// Entry point of the restore worker thread (bundled as dist/restoreWorker.js beside the
// extension; in tests it sits beside restore.js). It runs one restore job and reports logs,
// progress and the outcome to restore.ts. Cancel arrives through shared memory: the job checks
// it between members and entries, while its synchronous writes keep its own event loop busy.
import { parentPort, workerData } from 'node:worker_threads';
import { fsGuard } from '../../fsguard';
import { errorText } from '../../util/errors';
import { RestoreRefused, runRestoreJob, type RestoreJob } from './restoreJob';

const { job, cancel, callTimeoutMs, beatMs } = workerData as { job: RestoreJob; cancel: SharedArrayBuffer; callTimeoutMs: number; beatMs: number };
const flag = new Int32Array(cancel);
const port = parentPort!;
// This thread's own guard (the index is read here with async calls) takes the host's bound.
fsGuard.configure({ callTimeoutMs });
// A beat whenever the event loop turns: a synchronous call stuck in the kernel stops them, and
// the host fails the restore (restore.ts).
const beat = setInterval(() => port.postMessage({ kind: 'beat' }), beatMs);
beat.unref();

runRestoreJob(job, {
  log: (level, text) => port.postMessage({ kind: 'log', level, text }),
  progress: (progress) => port.postMessage({ kind: 'progress', progress }),
  cancelled: () => Atomics.load(flag, 0) !== 0,
}).then(
  (outcome) => port.postMessage({ kind: 'done', outcome }),
  (e) => port.postMessage({ kind: 'error', message: errorText(e), refused: e instanceof RestoreRefused }),
);
