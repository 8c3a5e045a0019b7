package org.pstore.registration;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

import org.pstore.api.Pstore;

/**
 * The calls to other components (a frontend's enable or disable, the swap listener) that the
 * registry decided under its lock, made after the lock is released, one at a time and in the order
 * decided, so that a component may call back into the registry from any thread.
 *
 * <p>{@link #add} is called with the registry's lock held; {@link #make} without it.
 */
final class DeferredCalls {

    private final ReentrantLock lock;
    /** Records a problem; called under the lock. */
    private final Consumer<String> problem;
    private final Deque<Runnable> calls = new ArrayDeque<>();
    /** Whether a thread is making the calls: the others leave theirs to it. */
    private boolean calling;

    DeferredCalls(ReentrantLock lock, Consumer<String> problem) {
        this.lock = lock;
        this.problem = problem;
    }

    void add(Runnable call) {
        calls.addLast(call);
    }

    /** The frontends' enable (with {@code pstore}) or disable calls. */
    void add(List<FrontendRegistry.Call> frontendCalls, Pstore pstore) {
        for (FrontendRegistry.Call c : frontendCalls) {
            calls.addLast(() -> {
                try {
                    if (c.enable()) {
                        c.frontend().enable(pstore);
                    } else {
                        c.frontend().disable();
                    }
                } catch (RuntimeException e) {
                    lockedProblem("frontend " + c.frontend() + " failed to " + (c.enable() ? "enable" : "disable") + ": " + e);
                }
            });
        }
    }

    /**
     * Makes the calls decided so far, unless a thread (another one, or this one further up, inside a
     * frontend's call) is making them already: it makes these too, after its own.
     */
    void make() {
        lock.lock();
        try {
            if (calling) {
                return;
            }
            calling = true;
        } finally {
            lock.unlock();
        }
        while (true) {
            Runnable call;
            lock.lock();
            try {
                call = calls.pollFirst();
                if (call == null) {
                    calling = false;
                    return;
                }
            } finally {
                lock.unlock();
            }
            try {
                call.run();
            } catch (RuntimeException e) {
                lockedProblem("the swap listener failed: " + e);
            }
        }
    }

    private void lockedProblem(String message) {
        lock.lock();
        try {
            problem.accept(message);
        } finally {
            lock.unlock();
        }
    }
}
