/** Applies the given changes and names the fields whose value really changed (for the audit trail). */
export function assignChanged<T extends object>(target: T, changes: Partial<T>): string[] {
  const changed: string[] = [];
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) continue;
    if ((target as Record<string, unknown>)[key] !== value) {
      (target as Record<string, unknown>)[key] = value;
      changed.push(key);
    }
  }
  return changed;
}
