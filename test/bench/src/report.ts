import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** One measured figure, optionally with its target and the same figure measured on a peer. */
export interface Figure {
  section: string;
  name: string;
  value: number;
  unit: 'ms' | '/s' | 'MB' | 'runs' | 'records' | '×' | '%' | 'queries' | 'writes' | 'reads';
  /** e.g. `≤ 50` or `≥ 300`: met when the value is on the right side */
  target?: { op: '≤' | '≥'; value: number };
  peers?: { name: string; value: number }[];
  note?: string;
  /** the bench section that measured it (stamped by Report) */
  step?: string;
  /** when the run that measured it started (stamped by Report; kept figures keep theirs) */
  measuredAt?: string;
}

/** What a run leaves beside the markdown, so a later run of some sections keeps the others. */
interface Stored {
  writtenAt: string;
  figures: Figure[];
  notes: { step?: string; text: string }[];
}

/** counts per run are small fractions worth seeing; everything else is read as a whole number */
const withDecimals = (value: number, unit: Figure['unit']) =>
  unit === '×' || unit === 'queries' || unit === 'writes' || unit === 'reads' || ((unit === 'ms' || unit === '%') && value < 10);

const fmt = (value: number, unit: Figure['unit']) =>
  `${withDecimals(value, unit) ? value.toFixed(2) : Math.round(value).toLocaleString('en-US')}${unit === 'runs' || unit === '×' ? (unit === '×' ? '×' : '') : ` ${unit}`}`;

/** Everything below this line in the report file is written by people and survives a new run. */
export const ANALYSIS = '<!-- analysis: kept across runs -->';

export const met = (f: Figure) => (f.target === undefined ? undefined : f.target.op === '≤' ? f.value <= f.target.value : f.value >= f.target.value);

export class Report {
  readonly figures: Figure[] = [];
  readonly notes: { step?: string; text: string }[] = [];
  private readonly startedAt = new Date();
  /** the section being measured: stamped on what is added */
  step: string | undefined;
  /** sections kept from earlier runs (a run of some sections only): section → when it was measured */
  private readonly kept = new Map<string, string>();

  add(input: Figure): void {
    const figure = { ...input, step: input.step ?? this.step, measuredAt: input.measuredAt ?? this.startedAt.toISOString() };
    this.figures.push(figure);
    const target = figure.target ? `  (target ${figure.target.op} ${fmt(figure.target.value, figure.unit)}: ${met(figure) ? 'met' : 'MISSED'})` : '';
    const peers = (figure.peers ?? []).map((p) => `  ${p.name} ${fmt(p.value, figure.unit)}`).join('');
    process.stderr.write(`[bench] ${figure.section} · ${figure.name}: ${fmt(figure.value, figure.unit)}${target}${peers}\n`);
  }

  note(text: string): void {
    this.notes.push({ step: this.step, text });
  }

  /**
   * For a run of some sections only: takes the figures and notes of every other section from the
   * earlier run's record beside `file`, so the report stays whole.
   */
  keepOthersFrom(file: string, ranSteps: string[]): void {
    const stored = readStored(file);
    if (!stored) return;
    const others = (step: string | undefined) => step !== undefined && !ranSteps.includes(step);
    const kept = stored.figures.filter((f) => others(f.step)).map((f) => ({ ...f, measuredAt: f.measuredAt ?? stored.writtenAt }));
    this.figures.unshift(...kept);
    this.notes.unshift(...stored.notes.filter((n) => others(n.step)));
    for (const f of kept) this.kept.set(f.step!, f.measuredAt);
  }

  /** e.g. "Sections start, dedupe are kept from the run of 2026-12-01 23:25 UTC; rows from the run of …" */
  private keptLine(): string | undefined {
    const byRun = new Map<string, string[]>();
    for (const [step, at] of this.kept) byRun.set(at, [...(byRun.get(at) ?? []), step]);
    const runs = [...byRun].sort(([a], [b]) => a.localeCompare(b)).map(([at, steps]) => `${steps.join(', ')} from the run of ${at.slice(0, 16).replace('T', ' ')} UTC`);
    return runs.length > 0 ? `Kept from earlier runs: sections ${runs.join('; ')}.` : undefined;
  }

  table(): string {
    const peerNames = [...new Set(this.figures.flatMap((f) => (f.peers ?? []).map((p) => p.name)))];
    const header = ['section', 'figure', 'TenantAtlas', 'target', 'met', ...peerNames.flatMap((n) => [n, `ratio to ${n}`])];
    const rows = this.figures.map((f) => [
      f.section,
      f.name + (f.note ? ` (${f.note})` : ''),
      fmt(f.value, f.unit),
      f.target ? `${f.target.op} ${fmt(f.target.value, f.unit)}` : '',
      met(f) === undefined ? '' : met(f) ? 'yes' : '**no**',
      ...peerNames.flatMap((n) => {
        const peer = f.peers?.find((p) => p.name === n);
        return peer ? [fmt(peer.value, f.unit), peer.value > 0 ? `${(f.value / peer.value).toFixed(2)}×` : ''] : ['', ''];
      }),
    ]);
    return [header, header.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
  }

  markdown(command: string): string {
    const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
    return [
      '# Benchmark report',
      '',
      `Written by \`${command}\` on ${this.startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC: ${os.cpus().length} cores (${cpu}),`,
      `${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}; Kafka, FerretDB, Redis and every service co-located on this one machine.`,
      'Ratios are TenantAtlas ÷ peer (for latencies lower is better, for rates higher is better).',
      ...[this.keptLine()].filter((line): line is string => line !== undefined),
      '',
      this.table(),
      '',
      ...(this.notes.length > 0 ? ['## Notes', '', ...this.notes.map((n) => `- ${n.text}`), ''] : []),
    ].join('\n');
  }

  /** Writes the report; what a person wrote below the ANALYSIS marker of the old file is kept. */
  write(file: string, command: string): void {
    const old = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    const at = old.indexOf(ANALYSIS);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `${this.markdown(command)}\n${at >= 0 ? old.slice(at) : `${ANALYSIS}\n`}`);
    const stored: Stored = { writtenAt: this.startedAt.toISOString(), figures: this.figures, notes: this.notes };
    fs.writeFileSync(storedFile(file), `${JSON.stringify(stored, null, 1)}\n`);
  }
}

export function latencyFigures(section: string, name: string, samples: number[], percentile: (v: number[], p: number) => number, opts: Partial<Record<50 | 95 | 99, Pick<Figure, 'target' | 'peers'>>> = {}): Figure[] {
  return ([50, 95, 99] as const).map((p) => ({ section, name: `${name} p${p}`, value: percentile(samples, p), unit: 'ms' as const, ...opts[p] }));
}

const storedFile = (file: string) => file.replace(/\.md$/, '') + '.json';

function readStored(file: string): Stored | undefined {
  try {
    return JSON.parse(fs.readFileSync(storedFile(file), 'utf8')) as Stored;
  } catch {
    return undefined;
  }
}
