import { PassThrough } from 'node:stream';
import type { Response } from 'express';
import { download } from './download';

/** A response with room for 4 bytes, read by a client that takes a chunk a turn of the event loop. */
function slowClient(): { res: Response; read: Promise<string> } {
  const stream = new PassThrough({ highWaterMark: 4 });
  const res = Object.assign(stream, { status: () => res, setHeader: () => res }) as unknown as Response;
  const read = (async () => {
    let text = '';
    for await (const chunk of stream) {
      text += String(chunk);
      await new Promise((resolve) => setImmediate(resolve));
    }
    return text;
  })();
  return { res, read };
}

describe('download', () => {
  it('sends every chunk in order to a slow client', async () => {
    const { res, read } = slowClient();
    const file = download(res, 'audit.ndjson', 'application/x-ndjson');
    for (let i = 0; i < 200; i++) await file.send(`line ${i}\n`);
    file.end();
    expect(await read).toBe(Array.from({ length: 200 }, (_, i) => `line ${i}\n`).join(''));
  });

  it('stops waiting when the client goes away', async () => {
    const res = Object.assign(new PassThrough({ highWaterMark: 4 }), { status: () => res, setHeader: () => res }) as unknown as Response;
    const file = download(res, 'audit.ndjson', 'application/x-ndjson');
    const sent = file.send('x'.repeat(64));
    res.destroy();
    await sent;
    expect(file.gone).toBe(true);
  });
});
