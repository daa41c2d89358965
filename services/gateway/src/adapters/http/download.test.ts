import { Writable } from 'node:stream';
import type { Response } from 'express';
import { download } from './download';

/** A response whose client reads one small chunk at a time, so nearly every write waits. */
function slowResponse(): { res: Response; received: string[] } {
  const received: string[] = [];
  const stream = new Writable({
    highWaterMark: 4,
    write(chunk: Buffer, _encoding, done) {
      received.push(chunk.toString());
      setImmediate(done);
    },
  });
  const res = Object.assign(stream, { status: () => res, setHeader: () => res }) as unknown as Response;
  return { res, received };
}

describe('download', () => {
  it('sends every chunk in order, waiting on a slow client without piling up listeners', async () => {
    const { res, received } = slowResponse();
    const before = { drain: res.listenerCount('drain'), close: res.listenerCount('close') };
    const file = download(res, 'audit.ndjson', 'application/x-ndjson');
    for (let i = 0; i < 200; i++) await file.send(`line ${i}\n`);
    expect({ drain: res.listenerCount('drain'), close: res.listenerCount('close') }).toEqual(before);
    file.end();
    await new Promise((resolve) => res.on('finish', resolve));
    expect(received.join('')).toBe(Array.from({ length: 200 }, (_, i) => `line ${i}\n`).join(''));
  });

  it('stops waiting when the client goes away', async () => {
    const { res } = slowResponse();
    const file = download(res, 'audit.ndjson', 'application/x-ndjson');
    const sent = file.send('x'.repeat(64));
    res.destroy();
    await sent;
    expect(file.gone).toBe(true);
  });
});
