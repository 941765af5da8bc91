package org.ncj.accumulate;

import java.util.ConcurrentModificationException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One thread at a time: every public operation of an accumulator enters the guard and leaves it
 * when done. A call from a second thread while the first is inside fails at once with a
 * {@link ConcurrentModificationException} and changes nothing, so sharing an accumulator can never
 * lose or tear a batch silently. Calls from several threads that do not overlap are fine: the
 * compare-and-set that enters and the write that leaves order their memory effects.
 * Re-entrant for the owning thread (an operation may call another).
 */
final class UseGuard {
    private final String what;
    private final AtomicReference<Thread> owner = new AtomicReference<>();
    /** Nesting depth; read and written only by the owner. */
    private int depth;

    UseGuard(String what) {
        this.what = what;
    }

    void enter() {
        Thread me = Thread.currentThread();
        if (owner.get() == me) {
            depth++;
            return;
        }
        if (!owner.compareAndSet(null, me)) {
            Thread other = owner.get();
            throw new ConcurrentModificationException(what + " is in use by thread '" + (other == null ? "?" : other.getName())
                    + "' and was called from thread '" + me.getName() + "': an accumulator takes one thread at a time;"
                    + " give each thread its own accumulator and merge them");
        }
        depth = 1;
    }

    void exit() {
        if (--depth == 0) {
            owner.set(null);
        }
    }
}
