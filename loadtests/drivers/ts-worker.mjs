// Worker-thread bootstrap: worker threads do not inherit the parent's `--import tsx` hooks, so
// register tsx here, then load the TypeScript module named in workerData.module.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.module);
