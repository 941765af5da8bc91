package org.ncj.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.ncj.DType;
import org.ncj.kernels.PairKernel;
import org.ncj.kernels.PairStats;

/**
 * What every backend must do, checked against naive one-loop references. Subclassed per
 * implementation ({@code CpuBackendContractTest}, {@code CudaBackendContractTest}).
 */
public abstract class BackendContract {
    protected static final double TOL_F32 = 1e-4;
    protected static final double TOL_F64 = 1e-9;

    /** The backend under test (opened per test class by the subclass). */
    protected abstract Backend backend();

    static Batch batch(int n, int d, int k, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n * d];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = r.nextInt(k);
            for (int j = 0; j < d; j++) {
                x[i * d + j] = (float) (y[i] + r.nextDouble());
            }
        }
        return Batch.of(x, n, d, y);
    }

    static void close(double[] e, double[] a, double tol) {
        double scale = 1e-300;
        for (double v : e) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < e.length; i++) {
            assertEquals(e[i], a[i], tol * scale, "element " + i);
        }
    }

    @Test
    void classSumsMatchNaiveLoop() {
        int k = 33;
        int d = 65;
        int n = 3001;
        Batch b = batch(n, d, k, 1);
        float[] x = b.array();
        int[] y = b.labelArray();
        double[] sums = new double[k * d];
        long[] counts = new long[k];
        for (int i = 0; i < n; i++) {
            counts[y[i]]++;
            for (int j = 0; j < d; j++) {
                sums[y[i] * d + j] += x[i * d + j];
            }
        }
        for (DType t : DType.values()) {
            try (ClassSums s = backend().classSums(k, d, t)) {
                s.add(b);
                assertArrayEquals(counts, s.counts());
                close(sums, s.sums(), t == DType.FLOAT32 ? TOL_F32 : TOL_F64);
            }
        }
    }

    @Test
    void centredStatsMatchNaiveLoop() {
        int k = 5;
        int d = 33;
        int n = 1000;
        Batch b = batch(n, d, k, 2);
        float[] x = b.array();
        int[] y = b.labelArray();
        double[] means = new double[k * d];
        for (int c = 0; c < k; c++) {
            for (int j = 0; j < d; j++) {
                means[c * d + j] = c + 0.5;
            }
        }
        double[] scatter = new double[d * d];
        double[] var = new double[k];
        for (int i = 0; i < n; i++) {
            for (int a = 0; a < d; a++) {
                double va = x[i * d + a] - means[y[i] * d + a];
                var[y[i]] += va * va;
                for (int c = 0; c < d; c++) {
                    scatter[a * d + c] += va * (x[i * d + c] - means[y[i] * d + c]);
                }
            }
        }
        for (DType t : DType.values()) {
            try (CentredStats s = backend().centredStats(means, k, d, t, true, true)) {
                s.add(b);
                double tol = t == DType.FLOAT32 ? TOL_F32 : TOL_F64;
                close(scatter, s.scatter(), tol);
                close(var, s.varNormSums(), tol);
            }
        }
    }

    @Test
    void pairwiseDistanceMatchesTwoPassReference() {
        int k = 70;
        int d = 9;
        SplittableRandom r = new SplittableRandom(3);
        double[] p = new double[k * d];
        for (int i = 0; i < p.length; i++) {
            p[i] = r.nextGaussian();
        }
        double sum = 0;
        int m = 0;
        double[] v = new double[k * (k - 1) / 2];
        for (int i = 0; i < k; i++) {
            for (int j = i + 1; j < k; j++) {
                double s = 0;
                for (int c = 0; c < d; c++) {
                    double diff = p[i * d + c] - p[j * d + c];
                    s += diff * diff;
                }
                v[m++] = Math.sqrt(s);
                sum += Math.sqrt(s);
            }
        }
        double mean = sum / m;
        double var = 0;
        for (double x : v) {
            var += (x - mean) * (x - mean);
        }
        PairStats st = backend().pairwiseStats(p, k, d, new PairKernel.Dist(), 16);
        assertEquals(m, st.count());
        assertEquals(mean, st.mean(), 1e-12 * mean);
        assertEquals(var / m, st.variance(), 1e-10 * var / m);
    }

    @Test
    void eighReconstructs() {
        int n = 40;
        SplittableRandom r = new SplittableRandom(4);
        double[] a = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = i; j < n; j++) {
                a[i * n + j] = a[j * n + i] = r.nextGaussian();
            }
        }
        SymmetricEigen e = backend().eigh(a, n);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int q = 0; q < n; q++) {
                    s += e.vector(q, i) * e.values()[q] * e.vector(q, j);
                }
                assertEquals(a[i * n + j], s, 1e-10);
            }
        }
        for (int q = 1; q < n; q++) {
            assertEquals(true, e.values()[q - 1] <= e.values()[q], "ascending eigenvalues");
        }
    }
}
