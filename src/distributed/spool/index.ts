/**
 * The spool: how stages hand data to each other (DESIGN §3.3). A producer task attempt writes one
 * object of Arrow IPC batches grouped by bucket ({@link SpoolWriter}), returns a manifest for its
 * commit event; the coordinator chooses consumer bucket ranges from the manifests
 * ({@link balancedBucketRanges}) and hands each consumer a read plan ({@link planSpoolRead}),
 * which it reads with ranged GETs ({@link readSpool}); the query's spool is deleted by key when it
 * ends (cleanup.ts).
 */
export {
  batchBytes,
  canConcat,
  concatBatches,
  concatRanges,
  type RowRange,
  rangeBytes,
} from './arrow-batches.ts';
export { deleteAttemptSpool, deleteQuerySpool, deleteSpoolObjects, spoolObjectKeys } from './cleanup.ts';
export {
  readSpoolIndex,
  SPOOL_FOOTER_BYTES,
  SPOOL_FORMAT_VERSION,
  SPOOL_MAGIC,
  type SpoolIndex,
  type SpoolManifest,
  type SpoolObjectInfo,
} from './format.ts';
export {
  checkAttemptId,
  parseSpoolKey,
  SPOOL_HASH_CHARS,
  SPOOL_ROOT,
  spoolAttemptPrefix,
  spoolHashPrefix,
  spoolObjectKey,
  type TaskAttemptId,
} from './keys.ts';
export {
  type BucketRange,
  type PlanSpoolReadOptions,
  planSpoolRead,
  type ReadSpoolOptions,
  readSpool,
  readSpoolBuckets,
  type SpoolRead,
  type SpoolReadPlan,
} from './reader.ts';
export { type BucketMeasure, balancedBucketRanges, bucketWeights, splitBucketRanges } from './split.ts';
export { encodeSchemaMessage, SpoolWriter, type SpoolWriterOptions } from './writer.ts';
