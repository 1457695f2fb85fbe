/**
 * Per-tenant values a warm function keeps for a short while (inventories, ingestion settings), so the
 * hot path does not read them on every alert. A failed load is not cached.
 */
export class TtlCache<T> {
  private readonly entries = new Map<string, { value: Promise<T>; loadedAt: number }>();

  constructor(
    private readonly load: (key: string) => Promise<T>,
    private readonly maxAgeMs: number,
    private readonly clock: () => number = Date.now,
  ) {}

  get(key: string): Promise<T> {
    const cached = this.entries.get(key);
    if (cached && this.clock() - cached.loadedAt < this.maxAgeMs) return cached.value;
    const value = this.load(key);
    this.entries.set(key, { value, loadedAt: this.clock() });
    value.catch(() => this.entries.delete(key));
    return value;
  }

  invalidate(key: string): void {
    this.entries.delete(key);
  }
}
