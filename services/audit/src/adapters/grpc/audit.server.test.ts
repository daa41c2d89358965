import { Writable } from 'node:stream';
import type * as grpc from '@grpc/grpc-js';
import pino from 'pino';
import { auditHandlers, type AuditUseCases } from './audit.server';

/**
 * A server stream whose client has stopped reading: every write waits. Cancelling it does what
 * grpc-js does when the client cancels (server.js, onCancel): set `cancelled`, emit 'cancelled',
 * destroy the stream, which emits 'close' and never 'drain'.
 */
function stalledCall() {
  const stream = new Writable({ objectMode: true, highWaterMark: 1, write: () => undefined });
  const call = Object.assign(stream, {
    cancelled: false,
    request: { workspace_id: 'ws_1', format: 'EXPORT_FORMAT_NDJSON', oldest_first: false },
    getPath: () => '/tenantatlas.audit.v1.AuditService/ExportAuditEvents',
  });
  const cancel = () => {
    call.cancelled = true;
    call.emit('cancelled', 'cancelled');
    call.destroy();
  };
  return { call: call as unknown as grpc.ServerWritableStream<never, never>, cancel };
}

describe('ExportAuditEvents', () => {
  it('stops reading the chain when the client cancels while the export waits for it', async () => {
    let read = 0;
    let walkEnded!: () => void;
    const ended = new Promise<void>((resolve) => (walkEnded = resolve));
    const exportEvents = {
      execute: () =>
        async function* segments() {
          try {
            for (;;) {
              read++;
              yield `segment ${read}\n`;
            }
          } finally {
            walkEnded();
          }
        },
    };
    const handlers = auditHandlers(pino({ level: 'silent' }), { exportEvents } as unknown as AuditUseCases);
    const { call, cancel } = stalledCall();
    handlers.ExportAuditEvents(call as never);
    await new Promise((resolve) => setImmediate(resolve));
    expect(read).toBe(1); // the first chunk waits for the client
    cancel();
    await ended;
    expect(read).toBe(1);
  }, 10_000);
});
