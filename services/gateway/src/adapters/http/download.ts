import type { Response } from 'express';
import { untilDrainedOrClosed } from '@tenantatlas/core';

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
      await untilDrainedOrClosed(res);
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
