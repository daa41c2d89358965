import { csvCell, csvRow } from './csv';

describe('CSV', () => {
  it('quotes what needs quoting and ends a row with CRLF', () => {
    expect(csvRow(['a', 'Doe, "Jo"', 3, null])).toBe('a,"Doe, ""Jo""",3,\r\n');
  });

  it('defuses cells a spreadsheet would run as formulas', () => {
    expect(csvCell('=1+1')).toBe("'=1+1");
    expect(csvCell('-2')).toBe("'-2");
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell({ path: '=x' })).toBe('"{""path"":""=x""}"');
  });
});
