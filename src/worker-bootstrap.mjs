// Entry of every worker thread: registers the TypeScript loader, then imports the module named in
// workerData.entry (a file URL). Keeps workers runnable from sources, as the CLI is.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
