import DataLoader from 'dataloader';

/**
 * Jobs in flight at once share one statement: a DataLoader that runs at most one batch at a time.
 * While a statement runs, the jobs reaching the same step gather behind it, so batches grow with
 * the load, and an idle worker still sends a lone job's statement at once (no timer to wait out).
 * No cache: every load must see the row as it is now.
 */
export function batchLoader<K, V>(load: (keys: readonly K[]) => Promise<(V | Error)[]>, maxBatchSize: number): DataLoader<K, V> {
  let running: Promise<unknown> = Promise.resolve();
  return new DataLoader<K, V>(
    (keys) => {
      const batch = load(keys);
      running = batch.catch(() => undefined);
      return batch;
    },
    { cache: false, maxBatchSize, batchScheduleFn: (dispatch) => void running.then(() => process.nextTick(dispatch)) },
  );
}
