import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { DomainError, rpcServerDuration, secondsSince, translateInfrastructureError, withRequestDeadline } from '@tenantatlas/core';
import { toGrpcError } from './errors';
import { HealthService } from './health';

export interface CallContext {
  metadata: grpc.Metadata;
  /** the peer's deadline, passed on to downstream calls */
  deadline: grpc.Deadline;
}

/**
 * Adapts an async handler to grpc-js: domain errors become their mapped status, anything else is
 * logged and answered with a bare INTERNAL so no stack trace or internal detail reaches the caller.
 */
export function unary<Req, Res>(
  logger: Logger,
  handler: (request: Req, ctx: CallContext) => Promise<Res>,
): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    const start = process.hrtime.bigint();
    const done = (code: grpc.status) => recordRpc(call.getPath(), code, start);
    const deadline = call.getDeadline();
    // the queries the handler makes stop when the caller stops waiting (core's request-deadline.ts)
    withRequestDeadline(deadlineMs(deadline), () => handler(call.request, { metadata: call.metadata, deadline })).then(
      (response) => {
        done(grpc.status.OK);
        callback(null, response);
      },
      (err: unknown) => {
        const unanswered = translateInfrastructureError(err);
        if (unanswered) {
          logger.warn({ err, method: call.getPath(), code: unanswered.code }, 'the database could not answer');
        } else if (!(err instanceof DomainError) || err.kind === 'internal') {
          logger.error({ err, method: call.getPath() }, 'unhandled error in gRPC handler');
        }
        const status = toGrpcError(err);
        done(status.code ?? grpc.status.UNKNOWN);
        callback(status);
      },
    );
  };
}

/** A grpc-js deadline (a Date or epoch milliseconds; Infinity when the caller set none) in epoch milliseconds. */
function deadlineMs(deadline: grpc.Deadline): number {
  return deadline instanceof Date ? deadline.getTime() : Number(deadline);
}

/** One histogram sample per answered call: `/pkg.Service/Method` → service and method labels. */
function recordRpc(path: string, code: grpc.status, start: bigint): void {
  const [, service = 'unknown', method = 'unknown'] = path.split('/');
  rpcServerDuration().record(secondsSince(start), {
    rpc_service: service,
    rpc_method: method,
    grpc_code: grpc.status[code] ?? String(code),
  });
}

export class GrpcServer {
  readonly server = new grpc.Server({ 'grpc.max_receive_message_length': 8 * 1024 * 1024 });
  readonly health = new HealthService();
  private port = 0;

  constructor(private readonly logger: Logger) {
    this.health.register(this.server);
  }

  add(definition: grpc.ServiceDefinition, implementation: grpc.UntypedServiceImplementation, name?: string): this {
    this.server.addService(definition, implementation);
    if (name) this.health.set(name, 'NOT_SERVING');
    return this;
  }

  async start(port: number, host = '0.0.0.0'): Promise<number> {
    this.port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync(`${host}:${port}`, grpc.ServerCredentials.createInsecure(), (err, bound) =>
        err ? reject(err) : resolve(bound),
      ),
    );
    this.health.setAll('SERVING');
    this.logger.info({ port: this.port }, 'gRPC server listening');
    return this.port;
  }

  get boundPort(): number {
    return this.port;
  }

  /** Stops taking new calls, lets running ones finish, and forces the rest after the timeout. */
  async stop(timeoutMs = 10_000): Promise<void> {
    this.health.setAll('NOT_SERVING');
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, timeoutMs);
      force.unref();
      this.server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
  }
}
