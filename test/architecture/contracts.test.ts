/**
 * The gRPC contracts in proto/ are linted (`buf lint`, STANDARD and COMMENTS rules) and checked
 * against the version this branch started from (`buf breaking`, WIRE_JSON rules). The Helm chart
 * rolls services one at a time, so for a while a peer of the previous version talks to one of this
 * version: a change has to stay readable both ways on the wire, and keep the field names and JSON
 * types that proto-loader's objects, and the gateway's HTTP answers built from them, carry
 * (docs/architecture.md#contracts).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const PROTO = path.join(ROOT, 'proto');
const BUF = require.resolve('@bufbuild/buf/bin/buf');

interface Finding {
  path: string;
  start_line: number;
  start_column: number;
  type: string;
  message: string;
}

interface FieldDescriptor {
  name: string;
  number: number;
  label: string;
  type: string;
  typeName?: string;
  proto3Optional?: boolean;
}

interface MessageDescriptor {
  name: string;
  field?: FieldDescriptor[];
  nestedType?: MessageDescriptor[];
}

interface DescriptorSet {
  file: { package?: string; messageType?: MessageDescriptor[] }[];
}

function run(command: string, args: string[], cwd = ROOT): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw result.error;
  return result;
}

function git(...args: string[]): string | null {
  const result = run('git', args);
  return result.status === 0 ? result.stdout.trim() : null;
}

function buf(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return run(process.execPath, [BUF, ...args], PROTO);
}

/** The commit this branch started from; on main itself (or a lone commit) that is HEAD. */
function baseCommit(): string {
  for (const main of ['main', 'origin/main']) {
    const base = git('rev-parse', '--verify', '--quiet', `${main}^{commit}`) && git('merge-base', 'HEAD', main);
    if (base) return base;
  }
  const base = git('rev-parse', '--verify', '--quiet', 'HEAD~^{commit}') ?? git('rev-parse', '--verify', '--quiet', 'HEAD^{commit}');
  if (!base) throw new Error('buf breaking compares with the git history: run the tests in a git clone');
  return base;
}

function findings(output: string): Finding[] {
  return output.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Finding);
}

const describeFinding = (f: Finding) => `${f.path}:${f.start_line}:${f.start_column}: ${f.message} (${f.type})`;

function descriptorSet(input: string): DescriptorSet {
  const result = buf('build', input, '--exclude-source-info', '-o', '-#format=json');
  if (result.status !== 0) throw new Error(`buf build ${input} failed:\n${result.stderr}`);
  return JSON.parse(result.stdout) as DescriptorSet;
}

/** Every message of the set by its full name (nested ones too, e.g. a map's entry). */
export function messageIndex(set: DescriptorSet): Map<string, MessageDescriptor> {
  const index = new Map<string, MessageDescriptor>();
  const add = (prefix: string, message: MessageDescriptor) => {
    const name = `${prefix}.${message.name}`;
    index.set(name, message);
    for (const nested of message.nestedType ?? []) add(name, nested);
  };
  for (const file of set.file) for (const message of file.messageType ?? []) add(file.package ? `.${file.package}` : '', message);
  return index;
}

/**
 * What a message looks like on the wire and to proto-loader: its fields by number with name,
 * cardinality and type. A type nested in the message (a map's entry) is compared by its own shape,
 * since its full name carries the message's name.
 */
export function wireShape(index: Map<string, MessageDescriptor>, name: string): unknown {
  const fullName = name.startsWith('.') ? name : `.${name}`;
  const message = index.get(fullName);
  if (!message) return null;
  return [...(message.field ?? [])]
    .sort((a, b) => a.number - b.number)
    .map((f) => [f.number, f.name, f.label, f.proto3Optional ?? false, f.type,
      f.typeName?.startsWith(`${fullName}.`) ? wireShape(index, f.typeName) : (f.typeName ?? '')]);
}

const RENAMED_TYPE = /changed (?:request|response) type from "([\w.]+)" to "([\w.]+)"/;

/**
 * buf compares an RPC's request and response types by name, but a peer only sees the bytes: a
 * type renamed to a message with the same fields is as readable as before. Such a finding is kept
 * only when the two messages differ.
 */
export function breaksTheWire(finding: Finding, base: Map<string, MessageDescriptor>, head: Map<string, MessageDescriptor>): boolean {
  const renamed = RENAMED_TYPE.exec(finding.message);
  if (!renamed || !['RPC_SAME_REQUEST_TYPE', 'RPC_SAME_RESPONSE_TYPE'].includes(finding.type)) return true;
  const before = wireShape(base, renamed[1]!);
  return before === null || JSON.stringify(before) !== JSON.stringify(wireShape(head, renamed[2]!));
}

describe('gRPC contracts', () => {
  it('buf lint (STANDARD + COMMENTS) finds nothing in proto/', () => {
    const result = buf('lint', '--error-format=json');
    const found = findings(result.stdout).map(describeFinding);
    console.log(`buf lint: ${found.length} findings${found.length ? `\n${found.join('\n')}` : ''}`);
    expect(result.stderr).toBe('');
    expect(found).toEqual([]);
    expect(result.status).toBe(0);
  });

  it('buf breaking (WIRE_JSON) finds nothing against the commit this branch started from', () => {
    const base = baseCommit();
    const against = `${path.join(ROOT, '.git')}#ref=${base},subdir=proto`;
    const result = buf('breaking', '--against', against, '--error-format=json');
    expect(result.stderr).toBe('');
    const [baseIndex, headIndex] = [messageIndex(descriptorSet(against)), messageIndex(descriptorSet('.'))];
    const found = findings(result.stdout).filter((f) => breaksTheWire(f, baseIndex, headIndex)).map(describeFinding);
    console.log(`buf breaking against ${base.slice(0, 12)}: ${found.length} findings${found.length ? `\n${found.join('\n')}` : ''}`);
    expect(found).toEqual([]);
  });

  it('a response kept field for field like another message stays so (one mapping serves both)', () => {
    const head = messageIndex(descriptorSet('.'));
    for (const [original, copy] of [
      ['tenantatlas.audit.v1.AuditEvent', 'tenantatlas.audit.v1.GetAuditEventResponse'],
      ['tenantatlas.operations.v1.StartRunResponse', 'tenantatlas.operations.v1.RerunRunResponse'],
    ] as const) {
      expect({ copy, shape: wireShape(head, copy) }).toEqual({ copy, shape: wireShape(head, original) });
    }
  });

  it('accepts a renamed request or response type only when its fields are the same', () => {
    const field = (name: string, number: number, type = 'TYPE_STRING'): FieldDescriptor => ({ name, number, label: 'LABEL_OPTIONAL', type });
    const set = (messages: MessageDescriptor[]): Map<string, MessageDescriptor> => messageIndex({ file: [{ package: 'p', messageType: messages }] });
    const base = set([{ name: 'Old', field: [field('id', 1), field('count', 2, 'TYPE_INT32')] }]);
    const renamed: Finding = { path: 'p.proto', start_line: 1, start_column: 1, type: 'RPC_SAME_RESPONSE_TYPE', message: 'RPC "Get" on service "S" changed response type from "p.Old" to "p.New".' };
    expect(breaksTheWire(renamed, base, set([{ name: 'New', field: [field('id', 1), field('count', 2, 'TYPE_INT32')] }]))).toBe(false);
    expect(breaksTheWire(renamed, base, set([{ name: 'New', field: [field('id', 1), field('count', 2, 'TYPE_STRING')] }]))).toBe(true);
    expect(breaksTheWire(renamed, base, set([{ name: 'New', field: [field('id', 1)] }]))).toBe(true);
    expect(breaksTheWire({ ...renamed, type: 'FIELD_WIRE_COMPATIBLE_TYPE' }, base, base)).toBe(true);
  });
});
