import type { Response } from 'express';

/**
 * A file streamed to the client as an attachment: its headers once, then its chunks no faster than
 * the client reads them (a slow client slows the source down instead of filling memory here).
 */
export function download(res: Response, fileName: string, contentType: string) {
  res.status(200);
  res.setHeader('content-type', contentType);
  res.setHeader('content-disposition', `attachment; filename="${fileName.replace(/[^A-Za-z0-9._-]/g, '_')}"`);
  return {
    async send(data: Buffer | string): Promise<void> {
      if (res.write(data) || res.destroyed) return;
      await drainedOrClosed(res);
    },
    /** the client went away: nothing more is read for it */
    get gone(): boolean {
      return res.destroyed;
    },
    end(): void {
      res.end();
    },
  };
}

/**
 * Until the client has read what is buffered, or went away. Both listeners go once either fires:
 * a large export waits thousands of times on one response.
 */
function drainedOrClosed(res: Pick<Response, 'on' | 'off'>): Promise<void> {
  return new Promise((resolve) => {
    const settle = () => {
      res.off('drain', settle);
      res.off('close', settle);
      resolve();
    };
    res.on('drain', settle);
    res.on('close', settle);
  });
}
