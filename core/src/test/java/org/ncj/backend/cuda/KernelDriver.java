package org.ncj.backend.cuda;


import jcuda.Pointer;

import org.ncj.DType;
import org.ncj.backend.Batch;
import org.ncj.backend.CentredStats;
import org.ncj.backend.ClassSums;
import org.ncj.backend.Decisions;
import org.ncj.pairwise.PairKernel;
import org.ncj.pairwise.PairKernels;

/**
 * Launches every kernel entry point once on small odd shapes, for
 * {@code compute-sanitizer --tool memcheck|racecheck}. Exits 0 and prints one line per kernel.
 */
public final class KernelDriver {
    private KernelDriver() {
    }

    public static void main(String[] args) {
        String why = CudaBackend.unavailableReason();
        if (why != null) {
            System.out.println("KernelDriver: CUDA unavailable: " + why);
            System.exit(2);
        }
        int k = 5;
        int d = 67;
        int n = 301;
        Batch b = CudaAgreementTest.batch(n, d, k, 1);
        double[] means = CudaAgreementTest.means(k, d, 2);
        try (CudaBackend cuda = new CudaBackend()) {
            System.out.println("device: " + cuda.description());
            for (DType t : DType.values()) {
                // small-K (shared) and large-K class sums
                try (ClassSums s = cuda.classSums(k, d, t); ClassSums l = cuda.classSums(300, 67, t)) {
                    s.add(b);
                    l.add(CudaAgreementTest.batch(n, 67, 300, 3));
                    s.sums();
                    l.sums();
                }
                System.out.println("class_sums small+large " + t + " ok (small used: " + CudaClassSums.usesSmall(k, d, t)
                        + ", large used: " + !CudaClassSums.usesSmall(300, 67, t) + ")");
                try (CentredStats c = cuda.centredStats(means, k, d, t, true, true)) {
                    c.add(b);
                    c.scatter();
                    c.varNormSums();
                }
                System.out.println("centre + syrk + mirror " + t + " ok");
                try (CentredStats c = cuda.centredStats(means, k, d, t, false, true)) {
                    c.add(b);
                    c.varNormSums();
                }
                System.out.println("centre without centred output (variance norms only) " + t + " ok");
                double[] w = CudaAgreementTest.points(k, d, 4);
                try (Decisions dd = cuda.decisions(means, w, new double[k], new int[] {0, 1, 2, 3, 4}, k, d, t)) {
                    dd.add(b);
                    dd.hits();
                }
                System.out.println("decisions " + t + " ok");
            }
            double[] p = CudaAgreementTest.points(130, 7, 5);
            double[] v = new double[130];
            java.util.Arrays.fill(v, 1.0);
            for (PairKernel pk : PairKernels.every(130, 7, v)) { // d = 7: Riesz s = 5
                for (Object[] f : CudaAgreementTest.PAIR_FORMS) {
                    cuda.pairwiseStats(p, 130, 7, pk, (Integer) f[1], (DType) f[0]);
                    cuda.pairwiseGrid(p, 130, 7, pk, (Integer) f[1], (DType) f[0]);
                    CudaPairwise.grid(cuda.session(), p, 130, 7, pk, CudaPairwise.form((DType) f[0], (Integer) f[1]),
                            CudaPairwise.BAND_QUANTUM);
                }
            }
            System.out.println("pairwise stats + grid (whole and in bands) f64, f32 GEMM tiles 64 and 128 (" + PairKernels.types().size() + " kernels) ok");
            rawKernels(cuda, b, k, d, n);
            System.out.println("eigh via " + cuda.eighImplementation());
            cuda.eigh(new double[] {2, 1, 1, 3}, 2);
            System.out.println("eigh ok");
        }
        System.out.println("KernelDriver: all kernels launched");
    }

    /**
     * Entry points the backend does not call itself (sorted class sums) or only for
     * device-resident batches (large-K class sums).
     */
    static void rawKernels(CudaBackend cuda, Batch b, int k, int d, int n) {
        CudaContext ctx = cuda.session().context();
        Stager st = cuda.session().stager();
        float[] x = b.array();
        int[] y = b.labelArray();
        int[] order = new int[n];
        long[] seg = new long[k + 1];
        for (int label : y) {
            seg[label + 1]++;
        }
        for (int c = 0; c < k; c++) {
            seg[c + 1] += seg[c];
        }
        long[] next = java.util.Arrays.copyOf(seg, k);
        for (int i = 0; i < n; i++) {
            order[(int) next[y[i]]++] = i;
        }
        try (DeviceMemory dx = DeviceMemory.allocate(ctx, 4L * x.length);
             DeviceMemory dord = DeviceMemory.allocate(ctx, 4L * n);
             DeviceMemory dy = DeviceMemory.allocate(ctx, 4L * n);
             DeviceMemory dseg = DeviceMemory.allocate(ctx, 8L * (k + 1));
             DeviceMemory sums = DeviceMemory.zeroed(ctx, 8L * k * d, st.compute.get());
             DeviceMemory counts = DeviceMemory.zeroed(ctx, 8L * k, st.compute.get())) {
            ctx.makeCurrent();
            Cuda.check(CudaTestBase.upload(dx.ptr(), Pointer.to(x), 4L * x.length), "cuMemcpyHtoD");
            Cuda.check(CudaTestBase.upload(dord.ptr(), Pointer.to(order), 4L * n), "cuMemcpyHtoD");
            Cuda.check(CudaTestBase.upload(dy.ptr(), Pointer.to(y), 4L * n), "cuMemcpyHtoD");
            Cuda.check(CudaTestBase.upload(dseg.ptr(), Pointer.to(seg), 8L * (k + 1)), "cuMemcpyHtoD");
            st.onCompute(() -> {
                for (PtxEntry kern : new PtxEntry[] {PtxEntry.CLASS_SUMS_SORTED_F32, PtxEntry.CLASS_SUMS_SORTED_F64}) {
                    ctx.launch(kern, k, (d + 255) / 256, 256, 0, st.compute.get(), dx, dord, dseg, d, k, sums, counts);
                }
                // the run-length large-K kernel on the same rows (the backend takes it for device batches)
                for (PtxEntry kern : new PtxEntry[] {PtxEntry.CLASS_SUMS_LARGE_F32, PtxEntry.CLASS_SUMS_LARGE_F64}) {
                    ctx.launch(kern, CudaClassSums.largeGrid(n, ctx.sms), 1, 256, 0, st.compute.get(), dx, dy, (long) n, d, k,
                            sums, counts);
                }
                st.compute.sync();
            });
        }
        System.out.println("class_sums_sorted + class_sums_large f32+f64 ok");
    }
}
