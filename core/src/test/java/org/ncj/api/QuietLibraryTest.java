package org.ncj.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.ncj.DType;
import org.ncj.accumulate.CovarAccumulator;
import org.ncj.accumulate.MeanAccumulator;
import org.ncj.accumulate.Means;
import org.ncj.backend.Backend;
import org.ncj.measure.Nc1Variability;

/**
 * A library user's program, run as a plain {@code java -cp …} process with the flag the README
 * names, prints nothing on stderr: no restricted-method warning, no "Failed to load
 * implementation" from the BLAS binding, no other log line.
 */
class QuietLibraryTest {

    /** The user's program: backend, two passes, one measure. Prints the backend and NC1 on stdout. */
    public static void main(String[] args) {
        int k = 3;
        int d = 4;
        int n = 30;
        float[] x = new float[n * d];
        int[] y = new int[n];
        Random r = new Random(1);
        for (int i = 0; i < n; i++) {
            y[i] = i % k;
            for (int j = 0; j < d; j++) {
                x[i * d + j] = (float) (r.nextGaussian() + (j == y[i] ? 3 : 0));
            }
        }
        try (Backend backend = args[0].equals("auto") ? Backend.auto() : Backend.cpu()) {
            Means means;
            try (var m = new MeanAccumulator(k, d, backend, DType.FLOAT32)) {
                m.accumulate(x, y);
                means = m.compute();
            }
            try (var c = new CovarAccumulator(backend, means)) {
                c.accumulate(x, y, means);
                System.out.println(backend + "\nnc1_pinv " + Nc1Variability.covariancePinv(c.compute(), means, backend));
            }
        }
    }

    private static String[] run(String backend) throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(List.of(java.toString(), "--enable-native-access=ALL-UNNAMED", "-Xmx256m", "-cp",
                System.getProperty("java.class.path"), QuietLibraryTest.class.getName(), backend)).start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the program finished");
        assertEquals(0, p.exitValue(), new String(err, StandardCharsets.UTF_8));
        return new String[] {new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8)};
    }

    @Test
    void cpuBackendLogsNothing() throws Exception {
        String[] r = run("cpu");
        assertEquals("", r[1], "stderr of a library user's program");
        assertTrue(r[0].contains("nc1_pinv "), r[0]);
        // Quiet must not mean slower: where the system has a BLAS, the native one is still found.
        if (Files.exists(Path.of("/usr/lib/x86_64-linux-gnu/libblas.so.3"))) {
            assertTrue(r[0].contains("native BLAS (JNIBLAS)"), r[0]);
        }
    }

    @Test
    void autoBackendLogsNothing() throws Exception {
        // On a machine without a GPU this also loads the CUDA binding and falls back to the CPU.
        String[] r = run("auto");
        assertEquals("", r[1], "stderr of a library user's program");
        assertTrue(r[0].contains("nc1_pinv "), r[0]);
    }
}
