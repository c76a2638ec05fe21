import { describe, expect, it } from 'vitest';
import {
  castLiteral,
  formatDate,
  literalToSql,
  numberLiteral,
  parseDate,
  parseInterval,
  parseTimestamp,
} from '../../src/logical/literal.ts';
import { DATE, decimal, FLOAT64, INT32, INT64, TIMESTAMP, VARCHAR } from '../../src/types/data-type.ts';

describe('literals', () => {
  it('types numbers as DuckDB does', () => {
    expect(numberLiteral('100.00', 'decimal')).toEqual({ value: 10000, type: decimal(5, 2) });
    expect(numberLiteral('0.2', 'decimal')).toEqual({ value: 2, type: decimal(2, 1) });
    expect(numberLiteral('.5', 'decimal')).toEqual({ value: 5, type: decimal(2, 1) });
    expect(numberLiteral('2147483648', 'integer')).toEqual({ value: 2147483648, type: INT64 });
    expect(numberLiteral('99999999999999999999', 'integer').type).toEqual(decimal(38, 0));
    expect(numberLiteral('1e3', 'exponent')).toEqual({ value: 1000, type: FLOAT64 });
  });

  it('reads and prints dates, timestamps and intervals', () => {
    expect(parseDate('1995-03-15')).toBe(9204);
    expect(formatDate(9204)).toBe('1995-03-15');
    expect(parseDate('1995-02-29')).toBeUndefined();
    expect(parseTimestamp('1970-01-02 00:00:01.5')).toBe(86_401_500_000);
    expect(parseInterval('90', 'day')).toEqual({ months: 0, days: 90, micros: 0 });
    expect(parseInterval('1-2', 'year', 'month')).toEqual({ months: 14, days: 0, micros: 0 });
    expect(parseInterval('1 year 2 months 3 days 04:05:06')).toEqual({
      months: 14,
      days: 3,
      micros: 14_706_000_000,
    });
    expect(parseInterval('soon')).toBeUndefined();
  });

  it('casts constants exactly, rounding half away from zero', () => {
    expect(castLiteral('1998-09-02', VARCHAR, DATE)).toBe(parseDate('1998-09-02'));
    expect(castLiteral(11, INT32, decimal(15, 2))).toBe(1100);
    expect(castLiteral(125, decimal(5, 2), decimal(5, 1))).toBe(13);
    expect(castLiteral(-125, decimal(5, 2), decimal(5, 1))).toBe(-13);
    expect(castLiteral(250, decimal(5, 2), INT32)).toBe(3);
    expect(castLiteral('12.345', VARCHAR, decimal(10, 2))).toBe(1235);
    expect(castLiteral(9204, DATE, TIMESTAMP)).toBe(9204 * 86_400_000_000);
    expect(castLiteral(1050, decimal(6, 2), VARCHAR)).toBe('10.50');
    expect(() => castLiteral(3_000_000_000, INT64, INT32)).toThrow(/out of range for INTEGER/);
    expect(() => castLiteral('abc', VARCHAR, INT32)).toThrow(/cannot cast VARCHAR 'abc' to INTEGER/);
    expect(() => castLiteral(1000, INT32, decimal(3, 1))).toThrow(/does not fit DECIMAL\(3,1\)/);
  });

  it('prints constants as SQL', () => {
    expect(literalToSql("it's", VARCHAR)).toBe("'it''s'");
    expect(literalToSql(9204, DATE)).toBe("DATE '1995-03-15'");
    expect(literalToSql(5, decimal(3, 2))).toBe('0.05');
    expect(literalToSql(null, INT32)).toBe('NULL');
  });
});
