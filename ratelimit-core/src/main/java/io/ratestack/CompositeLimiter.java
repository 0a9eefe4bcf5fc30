package io.ratestack;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/** What the all- and any-limiters share: their children, their leaves, their status listeners, and close. */
abstract class CompositeLimiter extends AbstractLimiter {

    private static final Part[] NO_LEAVES = {};

    private static final long serialVersionUID = 1L;

    private final Clock clock;
    final @Nullable String name;
    final AbstractLimiter[] children;
    private final Part[] leaves;
    /** Whether some leaf is remote; the parts themselves are found when asked ({@link #remoteParts()}). */
    private final boolean remote;
    /** Set when every child is a leaf: then the plan needs no journal and no backtracking. */
    final boolean flat;
    private volatile @Nullable StatusPublisher publisher;
    /** Made with the first listener: composites made per request carry none of this. */
    private @Nullable Runnable observer;
    /** Guarded by this composite's own lock, which guards nothing else: listeners and leaf observers come and go together. */
    private int listeners;

    /**
     * @param children the parts
     * @param name a name, or {@code null}
     * @param ordered whether the order of the parts matters (any() tries them in order; all() takes them all)
     */
    CompositeLimiter(AbstractLimiter[] children, @Nullable String name, boolean ordered) {
        this.clock = commonClock(children);
        this.name = name;
        this.leaves = distinctLeaves(children);
        boolean allLeaves = true;
        boolean anyRemote = false;
        for (AbstractLimiter child : children) {
            allLeaves &= child instanceof Part;
            anyRemote |= child.hasRemoteParts();
        }
        this.flat = allLeaves;
        this.remote = anyRemote;
        // Distinct leaves in no particular order are the sorted leaves: one array for both (a starter keeps many).
        // Remote parts are asked in the given order, which the children then keep.
        this.children = !ordered && allLeaves && !anyRemote && leaves.length == children.length ? leaves : children;
    }

    @Override
    final Part[] leaves() {
        return leaves;
    }

    @Override
    final Clock clock() {
        return clock;
    }

    @Override
    final boolean hasRemoteParts() {
        return remote;
    }

    /** The distinct remote leaves of the children, depth first in the given order. */
    @Override
    final RemotePart[] remoteParts() {
        if (!remote) {
            return RemotePart.NONE;
        }
        List<RemotePart> found = new ArrayList<>();
        for (AbstractLimiter child : children) {
            for (RemotePart part : child.remoteParts()) {
                if (!found.contains(part)) {
                    found.add(part);
                }
            }
        }
        return found.toArray(RemotePart.NONE);
    }

    /**
     * The one clock of a composite's parts, in memory or {@linkplain RemotePart remote}; composites without leaves
     * have none of their own and are skipped.
     *
     * @throws IllegalArgumentException if two parts use different clocks
     */
    static Clock commonClock(AbstractLimiter[] children) {
        Clock clock = null;
        for (AbstractLimiter child : children) {
            if (!(child instanceof Part) && child.leaves().length == 0) {
                continue;
            }
            Clock own = child.clock();
            if (clock == null) {
                clock = own;
            } else if (clock != own) {
                throw new IllegalArgumentException("the limiters of a composite must share one clock, but "
                        + child + " uses " + own + " and another uses " + clock);
            }
        }
        return clock == null ? Clock.system() : clock;
    }

    private static Part[] distinctLeaves(AbstractLimiter[] children) {
        List<Part> all = new ArrayList<>();
        for (AbstractLimiter child : children) {
            if (child instanceof Part leaf) {
                if (!all.contains(leaf)) {
                    all.add(leaf);
                }
                continue;
            }
            for (Part leaf : child.leaves()) {
                if (!all.contains(leaf)) {
                    all.add(leaf);
                }
            }
        }
        if (all.isEmpty()) {
            return NO_LEAVES;
        }
        Part[] sorted = all.toArray(NO_LEAVES);
        sortById(sorted);
        return sorted;
    }

    /** Reads the state of the remote parts first, so the locked read sees what their stores say now. */
    @Override
    final long read(int what) {
        if (remote && what != WAITING && !closed) {
            for (RemotePart part : remoteParts()) {
                part.readState();
            }
        }
        return super.read(what);
    }

    // ---- status listeners: recomputed on each change of a leaf ----

    @Override
    public final Subscription onStatusChange(Consumer<RateLimitStatus> listener) {
        Checks.requireNonNull(listener, "listener");
        RateLimitStatus initial = status();
        StatusPublisher current;
        Runnable currentObserver;
        lock();
        try {
            current = publisher;
            currentObserver = observer;
            if (current == null || currentObserver == null) {
                current = new StatusPublisher(initial);
                currentObserver = this::onLeafChanged;
                publisher = current;
                observer = currentObserver;
            }
            current.add(listener);
            if (++listeners == 1) {
                for (Part leaf : leaves) {
                    leaf.addObserver(currentObserver);
                }
            }
        } finally {
            unlock();
        }
        onLeafChanged();
        StatusPublisher subscribed = current;
        Runnable leafObserver = currentObserver;
        return () -> {
            lock();
            try {
                if (subscribed.remove(listener) && --listeners == 0) {
                    for (Part leaf : leaves) {
                        leaf.removeObserver(leafObserver);
                    }
                }
            } finally {
                unlock();
            }
        };
    }

    private void onLeafChanged() {
        StatusPublisher current = publisher;
        if (current == null) {
            return;
        }
        boolean slow;
        lockAll(leaves);
        try {
            slow = rollAll(leaves, clock.nanoTime());
            current.set(!closed && feasible() ? RateLimitStatus.UNLOCKED : RateLimitStatus.LOCKED);
        } finally {
            unlockAll(leaves);
        }
        if (slow) {
            afterChanges(leaves);
        }
        current.drain();
    }

    // ---- close: this composite stops admitting; its children stay open ----

    @Override
    public final void close() {
        if (closed) {
            return;
        }
        closed = true;
        failOwnWaiters();
        StatusPublisher current = publisher;
        if (current != null) {
            current.set(RateLimitStatus.LOCKED);
            current.drain();
        }
    }

    final String describe(String kind) {
        return describe(kind, name, children);
    }

    /** {@code kind(name: part, part)}, as composites of either kind show themselves. */
    static String describe(String kind, @Nullable String name, RateLimiter[] parts) {
        StringBuilder text = new StringBuilder(kind).append('(');
        if (name != null) {
            text.append(name).append(": ");
        }
        for (int i = 0; i < parts.length; i++) {
            text.append(i == 0 ? "" : ", ").append(parts[i]);
        }
        return text.append(')').toString();
    }
}
