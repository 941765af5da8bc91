package org.ncj.accumulate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ncj.DType;
import org.ncj.backend.Backend;

/**
 * State as bytes and streams ({@code toBytes}/{@code fromBytes}, {@code save(OutputStream)}/
 * {@code load(InputStream)}): the same bytes as the files, the same state back, the same checks.
 */
class AccumulatorBytesTest {
    private static final int K = 3;
    private static final int D = 5;
    private final Backend cpu = Backend.cpu();
    private final Random random = new Random(12);
    private final float[] x = new float[40 * D];
    private final int[] y = new int[40];

    AccumulatorBytesTest() {
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        for (int i = 0; i < y.length; i++) {
            y[i] = i % K;
        }
    }

    @Test
    void everyAccumulatorRoundTripsThroughBytesAndStreams(@TempDir Path dir) throws IOException {
        try (MeanAccumulator mean = new MeanAccumulator(K, D, cpu, DType.FLOAT32)) {
            mean.accumulate(x, y);
            Means means = mean.compute();
            Classifier w = Classifier.of(Arrays.copyOf(x, K * D), K, D).withBias(new float[] {1, 2, 3});
            try (CovarAccumulator cov = new CovarAccumulator(cpu, means);
                 VarNormAccumulator var = new VarNormAccumulator(cpu, means);
                 DecAccumulator dec = new DecAccumulator(cpu, means, w);
                 ClassStatistics stats = new ClassStatistics(K, D, cpu, DType.FLOAT64)) {
                cov.accumulate(x, y);
                var.accumulate(x, y);
                dec.accumulate(x, y);
                stats.accumulate(x, y);

                // toBytes() is what save(Path) writes and what save(OutputStream) writes.
                Path f = dir.resolve("m.ncj");
                mean.save(f);
                assertArrayEquals(Files.readAllBytes(f), mean.toBytes());
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                mean.save(out);
                cov.save(out);
                var.save(out);
                dec.save(out);
                stats.save(out);
                byte[] all = out.toByteArray();
                byte[] concatenated = concat(mean.toBytes(), cov.toBytes(), var.toBytes(), dec.toBytes(), stats.toBytes());
                assertArrayEquals(concatenated, all);

                // fromBytes gives the same state back: saving it again gives the same bytes.
                try (MeanAccumulator m = MeanAccumulator.fromBytes(mean.toBytes(), K, D, cpu, DType.FLOAT32);
                     CovarAccumulator c = CovarAccumulator.fromBytes(cov.toBytes(), cpu, means);
                     VarNormAccumulator v = VarNormAccumulator.fromBytes(var.toBytes(), cpu, means);
                     DecAccumulator de = DecAccumulator.fromBytes(dec.toBytes(), cpu, means, w);
                     ClassStatistics s = ClassStatistics.fromBytes(stats.toBytes(), K, D, cpu, DType.FLOAT64)) {
                    assertArrayEquals(mean.toBytes(), m.toBytes());
                    assertArrayEquals(cov.toBytes(), c.toBytes());
                    assertArrayEquals(var.toBytes(), v.toBytes());
                    assertArrayEquals(dec.toBytes(), de.toBytes());
                    assertArrayEquals(stats.toBytes(), s.toBytes());
                    assertArrayEquals(mean.counts(), m.counts());
                    assertArrayEquals(cov.compute().sigmaW(), c.compute().sigmaW());
                    assertArrayEquals(dec.compute().hits(), de.compute().hits());
                }

                // Several states on one stream are read one after another; the stream stays open.
                ByteArrayInputStream in = new ByteArrayInputStream(all);
                try (MeanAccumulator m = MeanAccumulator.load(in, K, D, cpu, DType.FLOAT32);
                     CovarAccumulator c = CovarAccumulator.load(in, cpu, means);
                     VarNormAccumulator v = VarNormAccumulator.load(in, cpu, means);
                     DecAccumulator de = DecAccumulator.load(in, cpu, means, w);
                     ClassStatistics s = ClassStatistics.load(in, K, D, cpu, DType.FLOAT64)) {
                    assertEquals(0, in.available());
                    assertArrayEquals(mean.sums(), m.sums());
                    assertArrayEquals(var.compute().values(), v.compute().values());
                    assertArrayEquals(stats.toBytes(), s.toBytes());
                    assertArrayEquals(cov.toBytes(), c.toBytes());
                    assertArrayEquals(dec.toBytes(), de.toBytes());
                }

                // The same checks as for files, naming the bytes as the source.
                byte[] bytes = mean.toBytes();
                assertMessage(() -> MeanAccumulator.fromBytes(bytes, K + 1, D, cpu, DType.FLOAT32), "accumulator bytes", "expected K = 4");
                assertMessage(() -> CovarAccumulator.fromBytes(bytes, cpu, means), "accumulator bytes", "holds a MeanAccumulator");
                assertMessage(() -> MeanAccumulator.fromBytes(Arrays.copyOf(bytes, bytes.length - 3), K, D, cpu, DType.FLOAT32),
                        "accumulator bytes", "truncated");
                assertMessage(() -> MeanAccumulator.load(new ByteArrayInputStream(new byte[0]), K, D, cpu, DType.FLOAT32),
                        "accumulator stream", "truncated");
            }
        }
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    interface IoCall {
        Object call() throws IOException;
    }

    static void assertMessage(IoCall call, String... parts) {
        IOException e = assertThrows(IOException.class, call::call);
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "'" + e.getMessage() + "' should contain '" + p + "'");
        }
    }
}
