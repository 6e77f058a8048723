import { rm } from 'node:fs/promises';
import { join } from 'node:path';

/** Where attachment bytes live and how big one may be (STORAGE_DIR, UPLOAD_LIMIT_MB). */
export interface AttachmentStorage {
  dir: string;
  limitBytes: number;
}

export function storedPath(storage: AttachmentStorage, storageKey: string): string {
  return join(storage.dir, storageKey);
}

/** Removes stored files after their rows are gone; a file already missing is no error. */
export async function removeStoredFiles(storage: AttachmentStorage, storageKeys: string[]): Promise<void> {
  await Promise.all(storageKeys.map((key) => rm(storedPath(storage, key), { force: true })));
}
