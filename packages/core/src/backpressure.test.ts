import { Writable } from 'node:stream';
import { untilDrainedOrClosed } from './backpressure';

/** A stream whose reader takes one small chunk at a time, so nearly every write must wait. */
function slowReader(): { stream: Writable; received: string[] } {
  const received: string[] = [];
  const stream = new Writable({
    highWaterMark: 4,
    write(chunk: Buffer, _encoding, done) {
      received.push(chunk.toString());
      setImmediate(done);
    },
  });
  return { stream, received };
}

describe('untilDrainedOrClosed', () => {
  it('waits for a slow reader without piling up listeners', async () => {
    const { stream, received } = slowReader();
    const before = { drain: stream.listenerCount('drain'), close: stream.listenerCount('close') };
    for (let i = 0; i < 200; i++) if (!stream.write(`line ${i}\n`)) await untilDrainedOrClosed(stream);
    expect({ drain: stream.listenerCount('drain'), close: stream.listenerCount('close') }).toEqual(before);
    await new Promise((resolve) => stream.end(resolve));
    expect(received.join('')).toBe(Array.from({ length: 200 }, (_, i) => `line ${i}\n`).join(''));
  });

  it('ends the wait when the reader goes away before it drained', async () => {
    const { stream } = slowReader();
    expect(stream.write('x'.repeat(64))).toBe(false);
    const waiting = untilDrainedOrClosed(stream);
    stream.destroy(); // what gRPC does to a server stream whose call the client cancelled
    await waiting;
    expect(stream.listenerCount('drain') + stream.listenerCount('close')).toBe(0);
  });
});
