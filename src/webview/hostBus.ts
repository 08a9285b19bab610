// Request/reply over postMessage: ids on requests, replies matched by id, a timeout so a lost
// reply cannot stall the poll loop, and every incoming message shape-checked before use.
import {
  LIMITS, validateHostMessage, type HostNotice, type HostReply, type WebviewLogNotice, type WebviewRequest,
} from '../shared/protocol';

export interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;
export type RequestBody = WithoutId<WebviewRequest>;

interface Pending { resolve(r: HostReply): void; reject(e: Error): void; timer: ReturnType<typeof setTimeout> }

export class HostBus {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(private readonly api: VsCodeApi, private readonly onNotice: (m: HostNotice) => void, private readonly timeoutMs = 15_000) {}

  /** Feed every `message` event here. */
  receive(data: unknown): void {
    const v = validateHostMessage(data);
    if (!v.ok) {
      this.log('warn', `ignored host message: ${v.error}`);
      return;
    }
    const m = v.value;
    if (m.type === 'focusTask' || m.type === 'showEnvironment') return this.onNotice(m);
    if (m.id === undefined) return this.log('warn', `host error: ${m.type === 'error' ? m.message : ''}`);
    const p = this.pending.get(m.id);
    if (!p) return; // a reply after its timeout: already given up on
    this.pending.delete(m.id);
    clearTimeout(p.timer);
    p.resolve(m);
  }

  /** `timeoutMs`: for a poll the host may hold open (long polling), the hold plus the usual limit. */
  request(body: RequestBody, timeoutMs = this.timeoutMs): Promise<HostReply> {
    const id = this.nextId;
    this.nextId = this.nextId >= LIMITS.maxRequestId ? 1 : this.nextId + 1;
    return new Promise<HostReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`no reply to ${body.type} in ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.api.postMessage({ ...body, id });
    });
  }

  log(level: WebviewLogNotice['level'], message: string): void {
    const notice: WebviewLogNotice = { type: 'log', level, message: message.slice(0, LIMITS.maxWebviewLogMessage) };
    this.api.postMessage(notice);
  }
}
