package org.ncj.backend.cuda;

import java.lang.ref.Cleaner;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;

/**
 * Base of every off-heap owner: one owner, closed once (a second close is an error). A
 * {@link Cleaner} is only a backstop that logs a leak; it never frees (the freeing thread would
 * need the context, and the order of frees would be unpredictable).
 */
abstract class Resource implements AutoCloseable {
    private static final Cleaner CLEANER = Cleaner.create();
    private static final Logger LOG = Logger.getLogger(Resource.class.getName());

    private final State state;
    private final Cleaner.Cleanable cleanable;

    /** Shared with the cleaner: must not reference the resource. */
    private static final class State implements Runnable {
        final AtomicBoolean closed = new AtomicBoolean();
        final String what;

        State(String what) {
            this.what = what;
        }

        @Override
        public void run() {
            if (!closed.get()) {
                LOG.warning(() -> "leaked CUDA resource (never closed): " + what);
            }
        }
    }

    Resource(String what) {
        this.state = new State(what);
        this.cleanable = CLEANER.register(this, state);
    }

    final boolean isClosed() {
        return state.closed.get();
    }

    final void ensureOpen() {
        if (state.closed.get()) {
            throw new IllegalStateException(state.what + " is closed");
        }
    }

    @Override
    public final void close() {
        if (!state.closed.compareAndSet(false, true)) {
            throw new IllegalStateException(state.what + " closed twice");
        }
        try {
            release();
        } finally {
            cleanable.clean();
        }
    }

    /** Frees the native object; called once. */
    abstract void release();
}
