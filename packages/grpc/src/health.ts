import * as grpc from '@grpc/grpc-js';
import { loadProto } from './proto';

type ServingStatus = 'SERVING' | 'NOT_SERVING' | 'SERVICE_UNKNOWN';
interface HealthPackage {
  grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } };
}

export const HEALTH_PROTO = 'grpc/health/v1/health.proto';

/** grpc.health.v1.Health; the empty service name stands for the whole process. */
export class HealthService {
  private readonly statuses = new Map<string, ServingStatus>([['', 'NOT_SERVING']]);
  private readonly watchers = new Set<{ service: string; call: grpc.ServerWritableStream<unknown, unknown> }>();

  register(server: grpc.Server): void {
    const { Health } = loadProto<HealthPackage>(HEALTH_PROTO).grpc.health.v1;
    server.addService(Health.service, {
      Check: (call: grpc.ServerUnaryCall<{ service: string }, unknown>, cb: grpc.sendUnaryData<unknown>) => {
        const status = this.statuses.get(call.request.service);
        if (!status) return cb({ code: grpc.status.NOT_FOUND, details: 'unknown service' });
        cb(null, { status });
      },
      Watch: (call: grpc.ServerWritableStream<{ service: string }, unknown>) => {
        const watcher = { service: call.request.service, call };
        this.watchers.add(watcher);
        call.write({ status: this.statuses.get(call.request.service) ?? 'SERVICE_UNKNOWN' });
        call.on('cancelled', () => this.watchers.delete(watcher));
      },
    });
  }

  set(service: string, status: ServingStatus): void {
    this.statuses.set(service, status);
    for (const watcher of this.watchers) {
      if (watcher.service === service) watcher.call.write({ status });
    }
  }

  setAll(status: ServingStatus): void {
    for (const service of this.statuses.keys()) this.set(service, status);
  }
}

/** Asks a server's health endpoint; resolves with its status. Used by readiness checks and tests. */
export async function checkHealth(address: string, service = '', timeoutMs = 2_000): Promise<string> {
  const { Health } = loadProto<HealthPackage>(HEALTH_PROTO).grpc.health.v1;
  const client = new Health(address, grpc.credentials.createInsecure());
  try {
    return await new Promise<string>((resolve, reject) =>
      (client as unknown as {
        Check(req: unknown, opts: grpc.CallOptions, cb: grpc.requestCallback<{ status: string }>): void;
      }).Check({ service }, { deadline: Date.now() + timeoutMs }, (err, res) =>
        err ? reject(err) : resolve(res?.status ?? 'UNKNOWN'),
      ),
    );
  } finally {
    client.close();
  }
}
