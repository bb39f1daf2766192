/**
 * The machine ids this engine may delete: those its own `list` or `create` returned. `list`
 * returns only VMs of the engine's deployment scope (or unscoped ones of its scale set), and
 * `create` only VMs it inserted itself, so checking membership here keeps `delete` inside the
 * scope at no API cost: no GET before each delete.
 *
 * What this cannot see: a VM deleted and then re-created *under the same name in the same zone*
 * by another deployment between our list and our delete. Names are the runner's name, with a
 * random 32-bit suffix, and Compute has no conditional delete, so a GET first would only narrow
 * the window, not close it.
 */
export class DeletableIds {
  /** id → the tick when a list or create last returned it. */
  readonly #seen = new Map<string, number>();
  /** A counter, not a clock: two events in the same millisecond still have an order. */
  #tick = 0;

  /** `create` made it. */
  add(id: string): void {
    this.#seen.set(id, this.#tick++);
  }

  /** Marks the start of a list; pass the mark to `listed`. */
  listStarts(): number {
    return this.#tick++;
  }

  /**
   * The list that began at `mark` returned exactly `ids`. What it does not show, and no create
   * returned since it began, is gone or out of scope: forgotten.
   */
  listed(ids: readonly string[], mark: number): void {
    const now = this.#tick++;
    for (const id of ids) this.#seen.set(id, now);
    for (const [id, at] of this.#seen) if (at < mark) this.#seen.delete(id);
  }

  has(id: string): boolean {
    return this.#seen.has(id);
  }

  forget(id: string): void {
    this.#seen.delete(id);
  }
}
