import { difference, totalsOf } from './db-operations';

const scrape = (lines: string[]) =>
  ['# HELP tenantatlas_db_operations_total Queries and writes', '# TYPE tenantatlas_db_operations_total counter', ...lines].join('\n');

describe('database operation totals from /metrics', () => {
  it('sums queries not by exact _id, reads by it and writes, per collection', () => {
    const totals = totalsOf(
      scrape([
        'tenantatlas_db_operations_total{service_name="audit",collection="audit_records",operation="insert",shape="new"} 40',
        'tenantatlas_db_operations_total{service_name="audit",collection="audit_records",operation="find",shape="id"} 3',
        'tenantatlas_db_operations_total{service_name="audit",collection="audit_chain_heads",operation="update",shape="id"} 5',
        'tenantatlas_db_operations_total{service_name="operations",collection="run_schedule",operation="find",shape="other"} 7',
        'tenantatlas_db_operations_total{service_name="operations",collection="runs",operation="find",shape="id_in"} 2',
        'tenantatlas_db_operations_total{service_name="operations",collection="runs",operation="delete",shape="other"} 1',
        'tenantatlas_audit_records_total{action="run.started",result="appended"} 40',
      ]),
    );
    expect(totals).toMatchObject({ notById: 10, writes: 46, readsById: 3 });
    expect(Object.fromEntries(totals.readsByIdOf)).toEqual({ audit_records: 3 });
    expect(Object.fromEntries(totals.notByIdOf)).toEqual({ run_schedule: 7, runs: 3 });
    expect(Object.fromEntries(totals.writesOf)).toEqual({ audit_records: 40, audit_chain_heads: 5, runs: 1 });
  });

  it('keeps what a phase added', () => {
    const before = totalsOf(scrape(['tenantatlas_db_operations_total{collection="runs",operation="find",shape="other"} 4']));
    const after = totalsOf(
      scrape([
        'tenantatlas_db_operations_total{collection="runs",operation="find",shape="other"} 10',
        'tenantatlas_db_operations_total{collection="runs",operation="insert",shape="new"} 6',
      ]),
    );
    const phase = difference(after, before);
    expect(phase).toMatchObject({ notById: 6, writes: 6 });
    expect(Object.fromEntries(phase.notByIdOf)).toEqual({ runs: 6 });
  });
});
