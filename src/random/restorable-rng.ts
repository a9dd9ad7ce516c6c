/**
 * `RestorableRng`: an `Rng` whose state can be replaced in place. A model keeps the Rng it was
 * built with for its dropout masks; resuming a run bit-exactly needs that same object to
 * continue from the checkpoint's state, after initialisation has drawn from it.
 */
import { Rng, type RngState } from './rng.js';

export class RestorableRng extends Rng {
  private inner: Rng;

  constructor(seed = 0) {
    super(0);
    this.inner = new Rng(seed);
  }

  /** Continues from `state` (as returned by `state()`). */
  restore(state: RngState): void {
    this.inner = Rng.fromState(state);
  }

  override state(): RngState {
    return this.inner.state();
  }

  override nextU32(): number {
    return this.inner.nextU32();
  }

  override next(): number {
    return this.inner.next();
  }

  override fork(): Rng {
    return this.inner.fork();
  }
}
