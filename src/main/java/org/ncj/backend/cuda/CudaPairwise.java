package org.ncj.backend.cuda;

import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;

import jcuda.Pointer;

import org.ncj.kernels.PairKernel;
import org.ncj.kernels.PairStats;

/**
 * Pairwise kernel statistics and grids on the GPU ({@code nc_pairwise_*_f64}: points are class
 * means, small next to the K² pairs, so the kernels run in float64 like the CPU reference). The
 * kernels tile by 64 whatever {@code tileSize} the caller asked for; per-block partials are merged
 * on the host with {@link PairStats#merge} in block order (deterministic).
 */
final class CudaPairwise {
    static final int TILE = 64;

    private CudaPairwise() {
    }

    /** ABI kernel id of a {@link PairKernel}. */
    static int id(PairKernel kernel) {
        return switch (kernel) {
            case PairKernel.Dist k -> 0;
            case PairKernel.Log k -> 1;
            case PairKernel.Riesz k -> 2;
            case PairKernel.Cdnv k -> 3;
            case PairKernel.Cosine k -> 4;
            case PairKernel.MaxAngle k -> 5;
        };
    }

    /** The kernel's {@code param} argument. */
    static double param(PairKernel kernel) {
        return switch (kernel) {
            case PairKernel.Dist k -> 0.0;
            case PairKernel.Log k -> k.exponent();
            case PairKernel.Riesz k -> k.s();
            case PairKernel.Cdnv k -> k.distExp();
            case PairKernel.Cosine k -> 0.0;
            case PairKernel.MaxAngle k -> k.k();
        };
    }

    static double[] aux(PairKernel kernel) {
        return kernel instanceof PairKernel.Cdnv c ? c.varNorms() : null;
    }

    /** Grid of the stats kernel: {units, strips}. */
    static int[] statsGrid(int k, int sms) {
        int t = (k + TILE - 1) / TILE;
        int units = Math.max(1, (t + 1) / 2);
        int strips = Math.max(1, Math.min(t + 1, 4 * sms / units));
        return new int[] {units, strips};
    }

    static PairStats stats(CudaBackend backend, double[] points, int k, int d, PairKernel kernel) {
        if (k < 2) {
            return new PairStats();
        }
        CudaContext ctx = backend.context();
        Stager st = backend.stager();
        int[] g = statsGrid(k, ctx.sms);
        int blocks = g[0] * g[1];
        double[] aux = aux(kernel);
        double[] partials = new double[4 * blocks];
        try (DeviceMemory p = upload(ctx, points, (long) k * d);
             DeviceMemory a = aux == null ? null : upload(ctx, aux, k);
             DeviceMemory out = DeviceMemory.allocate(ctx, 8L * partials.length)) {
            st.onCompute(() -> {
                ctx.launch(Kernel.PAIRWISE_STATS_F64, g[0], g[1], 256, 0, st.compute.get(),
                        p, k, d, id(kernel), param(kernel), a, out);
                st.compute.sync();
            });
            Cuda.check(cuMemcpyDtoH(Pointer.to(partials), out.ptr(), 8L * partials.length), "cuMemcpyDtoH pairwise partials");
        }
        PairStats total = new PairStats();
        for (int b = 0; b < blocks; b++) {
            total.merge(PairStats.of((long) partials[4 * b], partials[4 * b + 1], partials[4 * b + 2], partials[4 * b + 3]));
        }
        return total;
    }

    static double[] grid(CudaBackend backend, double[] points, int k, int d, PairKernel kernel) {
        if ((long) k * k > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("kernelGrid at K = " + k + " needs " + ((long) k * k)
                    + " entries, more than a Java array holds: use kernelStats, which never materialises the grid");
        }
        double[] out = new double[k * k];
        if (k == 0) {
            return out;
        }
        CudaContext ctx = backend.context();
        Stager st = backend.stager();
        int t = (k + TILE - 1) / TILE;
        double[] aux = aux(kernel);
        try (DeviceMemory p = upload(ctx, points, (long) k * d);
             DeviceMemory a = aux == null ? null : upload(ctx, aux, k);
             DeviceMemory gm = DeviceMemory.allocate(ctx, 8L * k * k)) {
            st.onCompute(() -> {
                ctx.launch(Kernel.PAIRWISE_GRID_F64, t, t, 256, 0, st.compute.get(), p, k, d, id(kernel), param(kernel), a, gm);
                st.compute.sync();
            });
            Cuda.check(cuMemcpyDtoH(Pointer.to(out), gm.ptr(), 8L * out.length), "cuMemcpyDtoH pairwise grid");
        }
        if (kernel.logSpace()) {
            // The kernel writes log-values for log-space kernels (ABI.md); the grid holds values.
            for (int i = 0; i < out.length; i++) {
                out[i] = kernel.logSign() * Math.exp(out[i]);
            }
        }
        return out;
    }

    private static DeviceMemory upload(CudaContext ctx, double[] a, long len) {
        DeviceMemory m = DeviceMemory.allocate(ctx, 8L * len);
        try {
            Cuda.check(cuMemcpyHtoD(m.ptr(), Pointer.to(a), 8L * len), "cuMemcpyHtoD pairwise operand");
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
        return m;
    }
}
