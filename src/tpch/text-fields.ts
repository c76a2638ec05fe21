/**
 * ASCII encoders for the number and date fields of dbgen's text output. Each writes through a
 * DataView at a position and returns the position after the field. They write 4 bytes at a time
 * and may write up to 3 bytes past the field (which the next field or separator overwrites), so
 * the caller keeps that much room after each field: 24 bytes for a number, 12 for a date.
 *
 * Numbers go out in groups of four digits from lookup tables (one division and two stores for up
 * to 8 digits). The encoders are methods of one object holding those tables, because V8's
 * optimized code reads module-level bindings slowly; hot loops keep the object in a local.
 *
 * @example
 * const view = new DataView(buf.buffer);
 * let pos = TEXT_FIELDS.decimal(view, 0, -5); // "-0.05", pos = 5
 */
export class TextFields {
  // The tables are public for encoders that inline these methods (see format-tbl.ts).
  /** v < 10000 → its digits, left-aligned, as a little-endian int32 ("17" → '1','7',0,0). */
  readonly left: Int32Array;
  /** v < 10000 → its number of digits. */
  readonly width: Uint8Array;
  /** v < 10000 → its 4 digits with leading zeros. */
  readonly padded: Int32Array;
  /** c < 100 → '.', then c as 2 digits. */
  readonly cents: Int32Array;
  /**
   * YYYY-MM-DD for days firstDay … firstDay + days − 1 (1992-01-01 … 1998-12-31, the dates TPC-H
   * uses), 12 bytes apart so a date is three 4-byte copies; other dates are computed.
   */
  readonly dateTable: DataView;
  readonly firstDay: number;
  readonly days: number;

  constructor() {
    const ascii = (s: string): number =>
      s.charCodeAt(0) | (s.charCodeAt(1) << 8) | (s.charCodeAt(2) << 16) | (s.charCodeAt(3) << 24) | 0;
    this.left = new Int32Array(10000);
    this.width = new Uint8Array(10000);
    this.padded = new Int32Array(10000);
    for (let v = 0; v < 10000; v++) {
      const s = String(v);
      this.left[v] = ascii(s.padEnd(4, '\0'));
      this.width[v] = s.length;
      this.padded[v] = ascii(s.padStart(4, '0'));
    }
    this.cents = new Int32Array(100);
    for (let c = 0; c < 100; c++) this.cents[c] = ascii(`.${String(c).padStart(2, '0')}\0`);
    this.firstDay = Date.UTC(1992, 0, 1) / 86_400_000;
    this.days = Date.UTC(1999, 0, 1) / 86_400_000 - this.firstDay;
    const table = new DataView(new ArrayBuffer(this.days * 12));
    for (let i = 0; i < this.days; i++) this.formatDay(table, i * 12, this.firstDay + i);
    this.dateTable = table;
  }

  /** A non-negative integer (below 2^53) in decimal. */
  uint(view: DataView, pos: number, v: number): number {
    if (v < 10000) {
      view.setInt32(pos, this.left[v]!, true);
      return pos + this.width[v]!;
    }
    if (v < 100000000) {
      const high = (v / 10000) | 0;
      view.setInt32(pos, this.left[high]!, true);
      pos += this.width[high]!;
      view.setInt32(pos, this.padded[v - high * 10000]!, true);
      return pos + 4;
    }
    return this.largeUint(view, pos, v);
  }

  /** uint for v ≥ 10^8: the digits above the last eight, then those as two groups. */
  largeUint(view: DataView, pos: number, v: number): number {
    const high = Math.floor(v / 100000000);
    const low = v - high * 100000000;
    pos = this.uint(view, pos, high);
    const mid = (low / 10000) | 0;
    view.setInt32(pos, this.padded[mid]!, true);
    view.setInt32(pos + 4, this.padded[low - mid * 10000]!, true);
    return pos + 8;
  }

  /** An integer in decimal, with a leading '-' when negative (printf's %ld). */
  int(view: DataView, pos: number, v: number): number {
    if (v < 0) {
      view.setUint8(pos++, 0x2d);
      v = -v;
    }
    return this.uint(view, pos, v);
  }

  /**
   * A number of hundredths as dbgen prints money: optional '-', the whole part, '.', two digits
   * (-5 → "-0.05", 123456 → "1234.56").
   */
  decimal(view: DataView, pos: number, hundredths: number): number {
    if (hundredths < 0) {
      view.setUint8(pos++, 0x2d);
      hundredths = -hundredths;
    }
    const whole = Math.floor(hundredths / 100);
    pos = this.uint(view, pos, whole);
    view.setInt32(pos, this.cents[hundredths - whole * 100]!, true);
    return pos + 3;
  }

  /** A date given as days since 1970-01-01, as YYYY-MM-DD (years 1000–9999). */
  date(view: DataView, pos: number, day: number): number {
    const i = day - this.firstDay;
    if (i >= 0 && i < this.days) {
      const t = this.dateTable;
      const s = i * 12;
      view.setInt32(pos, t.getInt32(s, true), true);
      view.setInt32(pos + 4, t.getInt32(s + 4, true), true);
      view.setInt32(pos + 8, t.getInt32(s + 8, true), true);
    } else {
      this.formatDay(view, pos, day);
    }
    return pos + 10;
  }

  private formatDay(view: DataView, pos: number, day: number): void {
    const d = new Date(day * 86_400_000);
    const month = d.getUTCMonth() + 1;
    const date = d.getUTCDate();
    view.setInt32(pos, this.padded[d.getUTCFullYear()]!, true);
    view.setUint8(pos + 4, 0x2d);
    view.setUint8(pos + 5, 0x30 + Math.floor(month / 10));
    view.setUint8(pos + 6, 0x30 + (month % 10));
    view.setUint8(pos + 7, 0x2d);
    view.setUint8(pos + 8, 0x30 + Math.floor(date / 10));
    view.setUint8(pos + 9, 0x30 + (date % 10));
  }
}

/** The one shared instance. */
export const TEXT_FIELDS = new TextFields();
