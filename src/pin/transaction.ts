/**
 * Undo log for a pin: every change (directory made, mount made, file created) registers how to take it
 * back, so a failure at any step leaves the file system and mount table as they were.
 */
export class Transaction {
  private readonly undos: Array<() => void> = [];

  /** Record how to undo a change that has just been made. */
  did(undo: () => void): void {
    this.undos.push(undo);
  }

  /** Undo everything, newest first. Undo steps are best effort: one failing does not stop the rest. */
  rollback(): void {
    while (this.undos.length) {
      const undo = this.undos.pop() as () => void;
      try {
        undo();
      } catch {
        // Nothing better to do: the original error is what the user needs to see.
      }
    }
  }

  /** Keep the changes. */
  commit(): void {
    this.undos.length = 0;
  }
}
