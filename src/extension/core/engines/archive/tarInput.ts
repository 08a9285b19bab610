// Feeds a .tar.gz file into a node-tar Parser or Unpack: Node's gunzip (reads concatenated gzip
// members, runs in the thread pool), backpressure, and the first parser error wins.
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import type { Parser } from 'tar';

/** Resolves when `sink` emitted `doneEvent` ('end' for a Parser, 'close' for an Unpack: its files are written). */
export async function pumpTarGz(input: Readable, sink: Parser, doneEvent: 'end' | 'close'): Promise<void> {
  let sinkError: unknown;
  sink.on('error', (e: unknown) => (sinkError ??= e));
  const done = once(sink, doneEvent);
  await pipeline(input, createGunzip(), async function (source: AsyncIterable<Buffer>) {
    for await (const chunk of source) {
      if (sinkError) throw sinkError;
      if (!sink.write(chunk)) await once(sink, 'drain');
    }
    sink.end();
    await done;
    if (sinkError) throw sinkError;
  });
}
