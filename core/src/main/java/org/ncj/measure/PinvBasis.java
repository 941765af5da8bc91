package org.ncj.measure;

import static org.ncj.measure.MeasureSupport.needClasses;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.ncj.accumulate.Means;
import org.ncj.backend.Backend;
import org.ncj.backend.SymmetricEigen;

/**
 * The eigenpairs of Σ_B as weighted unit vectors: {@code Tr(S Σ_B⁺)/K = Σ_k w_k v_kᵀ S v_k}
 * for any D×D S. Built from the K×K Gram {@code M̃M̃ᵀ} when K ≤ D ({@code v = M̃ᵀu/s},
 * {@code w = s⁻²}), else from Σ_B itself ({@code w = 1/(K λ)}). Holds the top
 * {@code r = min(K−1, D)} pairs with λ &gt; 0 ({@code nc1_svd}); the first {@code pinvCount}
 * of them are those above the {@code nc1_pinv} cutoff.
 */
record PinvBasis(double[] vectors, double[] weights, int d, int pinvCount) {
    static PinvBasis of(Means m, Backend backend) {
        return of(m, backend, null);
    }

    /** @param centred the centred means when already computed, else null */
    static PinvBasis of(Means m, Backend backend, double[] centred) {
        int k = needClasses(m, 2, "nc1");
        int d = m.dim();
        double[] mc = centred != null ? centred : m.centred();
        int r = Math.min(k - 1, d);
        double eps = m.dtype().eps();
        List<double[]> vs = new ArrayList<>();
        List<Double> ws = new ArrayList<>();
        int pinv = 0;
        if (k <= d) {
            SymmetricEigen e = backend.eigh(backend.multiplyTransposed(mc, k, mc, k, d), k);
            double lmax = e.values()[k - 1];
            double floor = Math.max(k, d) * eps * lmax;
            for (int idx = k - 1; idx >= k - r; idx--) {
                double lambda = e.values()[idx];
                if (!(lambda > 0)) {
                    break;
                }
                if (lambda > floor && pinv == vs.size()) {
                    pinv++;
                }
                double sInv = 1 / Math.sqrt(lambda);
                double[] v = new double[d];
                for (int c = 0; c < k; c++) {
                    double u = e.vector(idx, c) * sInv;
                    for (int j = 0; j < d; j++) {
                        v[j] += u * mc[c * d + j];
                    }
                }
                vs.add(v);
                ws.add(1 / lambda);
            }
        } else {
            double[] sb = backend.gram(mc, k, d);
            for (int i = 0; i < sb.length; i++) {
                sb[i] /= k;
            }
            SymmetricEigen e = backend.eigh(sb, d);
            double lmax = e.values()[d - 1];
            double floor = Math.max(k, d) * eps * lmax;
            for (int idx = d - 1; idx >= d - r; idx--) {
                double lambda = e.values()[idx];
                if (!(lambda > 0)) {
                    break;
                }
                if (lambda > floor && pinv == vs.size()) {
                    pinv++;
                }
                vs.add(Arrays.copyOfRange(e.vectors(), idx * d, idx * d + d));
                ws.add(1 / (lambda * k));
            }
        }
        double[] flat = new double[vs.size() * d];
        for (int i = 0; i < vs.size(); i++) {
            System.arraycopy(vs.get(i), 0, flat, i * d, d);
        }
        return new PinvBasis(flat, ws.stream().mapToDouble(Double::doubleValue).toArray(), d, pinv);
    }

    /** {@code v_kᵀ S v_k} for every kept pair, from one product {@code V S} (S symmetric). */
    double[] quadratics(double[] s, Backend backend) {
        int n = weights.length;
        double[] q = new double[n];
        if (n == 0) {
            return q;
        }
        double[] vs = backend.multiplyTransposed(vectors, n, s, d, d);
        for (int i = 0; i < n; i++) {
            double acc = 0;
            for (int j = 0; j < d; j++) {
                acc += vs[i * d + j] * vectors[i * d + j];
            }
            q[i] = acc;
        }
        return q;
    }

    /** {@code Σ w_k q_k} over the {@code nc1_pinv} pairs ({@code cutoff}) or all of them. */
    double sum(double[] q, boolean cutoff) {
        int n = cutoff ? pinvCount : weights.length;
        double total = 0;
        for (int i = 0; i < n; i++) {
            total += weights[i] * q[i];
        }
        return total;
    }

    /** {@code Tr(S Σ_B⁺)/K}. */
    double ratio(double[] s, boolean cutoff, Backend backend) {
        return sum(quadratics(s, backend), cutoff);
    }
}
