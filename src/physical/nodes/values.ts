import type { PhysicalExpr } from '../expr.ts';
import type { NodeBase } from './common.ts';

/** Constant rows (`VALUES`, a FROM-less SELECT); each row has one expression per schema field. */
export interface ValuesNode extends NodeBase {
  readonly kind: 'values';
  readonly rows: readonly (readonly PhysicalExpr[])[];
}
