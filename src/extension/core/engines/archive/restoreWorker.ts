// Entry point of the restore worker thread (bundled as dist/restoreWorker.js beside the
// extension; in tests it sits beside restore.js). It runs one restore job and reports logs,
// progress and the outcome to restore.ts. Cancel arrives through shared memory: the job checks
// it between members and entries, while its synchronous writes keep its own event loop busy.
import { parentPort, workerData } from 'node:worker_threads';
import { errorText } from '../../util/errors';
import { RestoreRefused, runRestoreJob, type RestoreJob } from './restoreJob';

const { job, cancel } = workerData as { job: RestoreJob; cancel: SharedArrayBuffer };
const flag = new Int32Array(cancel);
const port = parentPort!;

runRestoreJob(job, {
  log: (level, text) => port.postMessage({ kind: 'log', level, text }),
  progress: (progress) => port.postMessage({ kind: 'progress', progress }),
  cancelled: () => Atomics.load(flag, 0) !== 0,
}).then(
  (outcome) => port.postMessage({ kind: 'done', outcome }),
  (e) => port.postMessage({ kind: 'error', message: errorText(e), refused: e instanceof RestoreRefused }),
);
