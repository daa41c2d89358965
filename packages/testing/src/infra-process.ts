import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, waitFor } from './index';

/**
 * A killed process that nobody reaped yet is a zombie: it holds no port, file or lock any more —
 * once its last thread is gone (a JVM's main thread shows as a zombie while the others still tear
 * down, holding its sockets).
 */
function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z') && fs.readdirSync(`/proc/${pid}/task`).length <= 1;
  } catch {
    return false;
  }
}

/**
 * SIGKILLs a process an infra script started (`scripts/infra/<name>.sh`, pid file under
 * `.run/<instance>/`) and waits until it is gone: a crash, where `<name>.sh stop` would shut it
 * down in order. Its data stays, so `<name>.sh start` recovers from what the crash left.
 */
export async function killInfraProcess(instance: string, name: 'kafka' | 'ferretdb'): Promise<void> {
  const pidFile = path.join(REPO_ROOT, '.run', instance, `${name}.pid`);
  const pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`no pid in ${pidFile}`);
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
  await waitFor(() => isGone(pid), { timeoutMs: 30_000, intervalMs: 50, what: `${name} (pid ${pid}) to die` });
  fs.rmSync(pidFile, { force: true });
}
