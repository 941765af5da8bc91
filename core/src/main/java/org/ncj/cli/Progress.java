package org.ncj.cli;

import java.io.PrintStream;
import java.util.Locale;

import org.ncj.analysis.ProgressListener;

/**
 * A progress bar on one carriage-return updated line of stderr, with items per second. Silent
 * when disabled ({@code --quiet}, or stderr not a terminal).
 */
public final class Progress implements ProgressListener.Phase {
    private static final int WIDTH = 30;

    private final PrintStream out;
    private final boolean enabled;
    private final String label;
    private final String unit;
    private final long total;
    private final long start = System.nanoTime();
    private long lastDraw;
    private long done;
    private int lastLength;

    Progress(PrintStream out, boolean enabled, String label, long total, String unit) {
        this.out = out;
        this.enabled = enabled;
        this.label = label;
        this.total = total;
        this.unit = unit;
    }

    /** A factory bound to a stream and on/off switch. */
    public record Factory(PrintStream out, boolean enabled) implements ProgressListener {
        public static final Factory QUIET = new Factory(System.err, false);

        @Override
        public Progress start(String label, long total, String unit) {
            return new Progress(out, enabled, label, total, unit);
        }

        /**
         * Whether the process runs on a terminal. Since JDK 22 {@code System.console()} is non-null
         * even when the streams are redirected, so {@code isTerminal()} decides.
         */
        public static boolean terminal() {
            java.io.Console c = System.console();
            return c != null && c.isTerminal();
        }
    }

    @Override
    public void advance(long n) {
        done += n;
        if (!enabled) {
            return;
        }
        long now = System.nanoTime();
        if (now - lastDraw > 100_000_000L || done >= total) {
            lastDraw = now;
            draw(false);
        }
    }

    private void draw(boolean last) {
        double secs = Math.max(1e-9, (System.nanoTime() - start) / 1e9);
        double frac = total > 0 ? Math.min(1.0, (double) done / total) : 1.0;
        int filled = (int) Math.round(frac * WIDTH);
        String line = String.format(Locale.ROOT, "%-12s [%s%s] %3.0f%%  %,d/%,d %s  %s %s/s%s", label, "#".repeat(filled),
                ".".repeat(WIDTH - filled), frac * 100, done, total, unit, rate(done / secs), unit,
                last ? String.format(Locale.ROOT, "  %.1fs", secs) : "");
        StringBuilder sb = new StringBuilder("\r").append(line);
        if (line.length() < lastLength) {
            sb.append(" ".repeat(lastLength - line.length()));
        }
        lastLength = line.length();
        out.print(sb);
        out.flush();
    }

    private static String rate(double r) {
        if (r >= 1e6) {
            return String.format(Locale.ROOT, "%.2fM", r / 1e6);
        }
        if (r >= 1e4) {
            return String.format(Locale.ROOT, "%.1fk", r / 1e3);
        }
        return String.format(Locale.ROOT, "%.0f", r);
    }

    @Override
    public void close() {
        if (enabled) {
            draw(true);
            out.println();
            out.flush();
        }
    }
}
