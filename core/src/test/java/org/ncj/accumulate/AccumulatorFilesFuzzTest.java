package org.ncj.accumulate;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.ncj.backend.Backend;
import org.ncj.io.FuzzInvariant;

/**
 * Fuzz target for the accumulator-file reader: any bytes give a clean IOException naming the
 * source, or a state that loads into its accumulator, saves back to the same bytes (version 2)
 * and loads again. Regression inputs: {@code src/test/resources/org/ncj/accumulate/AccumulatorFilesFuzzTestInputs/}.
 */
class AccumulatorFilesFuzzTest {
    /** Largest K × D loaded into an accumulator (the generic read has no such bound). */
    private static final long MAX_CELLS = 1 << 16;
    private static final Backend CPU = Backend.cpu();

    @FuzzTest(maxDuration = "11m")
    void accumulatorFile(byte[] data) {
        Path p = FuzzInvariant.file("input.ncj", data);
        AccumulatorFiles.State s;
        try {
            s = AccumulatorFiles.read(new ByteArrayInputStream(data), AccumulatorFiles.BYTES);
        } catch (Exception e) {
            FuzzInvariant.clean(e, AccumulatorFiles.BYTES);
            return;
        }
        if ((long) s.k() * s.d() > MAX_CELLS || (long) s.d() * s.d() > MAX_CELLS) {
            return;
        }
        try {
            byte[] again;
            switch (s.kind()) {
                case "MeanAccumulator" -> {
                    try (MeanAccumulator m = MeanAccumulator.load(p, s.k(), s.d(), CPU, s.dtype())) {
                        again = m.toBytes();
                    }
                    try (MeanAccumulator m = MeanAccumulator.fromBytes(again, s.k(), s.d(), CPU, s.dtype())) {
                        same(again, m.toBytes());
                    }
                }
                case "ClassStatistics" -> {
                    try (ClassStatistics c = ClassStatistics.load(p, s.k(), s.d(), CPU, s.dtype())) {
                        again = c.toBytes();
                    }
                    try (ClassStatistics c = ClassStatistics.fromBytes(again, s.k(), s.d(), CPU, s.dtype())) {
                        same(again, c.toBytes());
                    }
                }
                case "CovarAccumulator", "VarNormAccumulator" -> {
                    Means means = savedMeans(s);
                    if (means == null) {
                        return;
                    }
                    if (s.kind().equals("CovarAccumulator")) {
                        try (CovarAccumulator c = CovarAccumulator.load(p, CPU, means)) {
                            again = c.toBytes();
                        }
                        try (CovarAccumulator c = CovarAccumulator.fromBytes(again, CPU, means)) {
                            same(again, c.toBytes());
                        }
                    } else {
                        try (VarNormAccumulator v = VarNormAccumulator.load(p, CPU, means)) {
                            again = v.toBytes();
                        }
                        try (VarNormAccumulator v = VarNormAccumulator.fromBytes(again, CPU, means)) {
                            same(again, v.toBytes());
                        }
                    }
                }
                default -> {
                    return;
                }
            }
        } catch (Exception e) {
            FuzzInvariant.clean(e, p.toString());
        }
    }

    /** The means a second-pass state was saved with, when they make valid Means. */
    private static Means savedMeans(AccumulatorFiles.State s) {
        if (!(s.arrays().get("means") instanceof double[] m) || !(s.arrays().get("mean_counts") instanceof long[] c)
                || m.length != (long) s.k() * s.d() || c.length != s.k()) {
            return null;
        }
        try {
            return Means.of(m, c, s.d(), s.dtype(), GlobalMean.UNWEIGHTED, ClassFilter.PRESENT);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static void same(byte[] a, byte[] b) {
        if (!Arrays.equals(a, b)) {
            throw new AssertionError("a loaded state does not save back to the same bytes");
        }
    }
}
