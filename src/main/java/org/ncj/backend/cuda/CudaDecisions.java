package org.ncj.backend.cuda;

import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;

import jcuda.Pointer;

import org.ncj.DType;
import org.ncj.backend.Batch;
import org.ncj.backend.Decisions;

/**
 * Nearest-class-centre vs linear-classifier agreement ({@code nc_decisions_*}); the candidates'
 * means, weights and biases are compacted to C rows and uploaded once in the working type.
 */
public final class CudaDecisions extends Resource implements Decisions {
    private final CudaBackend backend;
    private final CudaContext ctx;
    private final int k;
    private final int d;
    private final int c;
    private final DType dtype;
    private final DeviceMemory[] owned;
    private final DeviceMemory means;
    private final DeviceMemory weights;
    private final DeviceMemory bias;
    private final DeviceMemory cand;
    private final DeviceMemory hits;
    private final DeviceMemory counts;

    CudaDecisions(CudaBackend backend, double[] means, double[] weights, double[] bias, int[] candidates,
                  int k, int d, DType dtype) {
        super("Decisions(k=" + k + ", d=" + d + ", " + dtype + ")");
        this.backend = backend;
        this.ctx = backend.context();
        this.k = k;
        this.d = d;
        this.c = candidates.length;
        this.dtype = dtype;
        double[] m = new double[Math.max(1, c * d)];
        double[] w = new double[Math.max(1, c * d)];
        double[] b = new double[Math.max(1, c)];
        for (int i = 0; i < c; i++) {
            System.arraycopy(means, candidates[i] * d, m, i * d, d);
            System.arraycopy(weights, candidates[i] * d, w, i * d, d);
            if (bias != null) {
                b[i] = bias[candidates[i]];
            }
        }
        CudaStream s = backend.stager().compute;
        DeviceMemory[] mem = new DeviceMemory[6];
        try {
            mem[0] = upload(m);
            mem[1] = upload(w);
            mem[2] = bias == null ? null : upload(b);
            mem[3] = DeviceMemory.allocate(ctx, 4L * Math.max(1, c));
            Cuda.check(cuMemcpyHtoD(mem[3].ptr(), Pointer.to(candidates), 4L * c), "cuMemcpyHtoD candidates");
            mem[4] = DeviceMemory.zeroed(ctx, 8L * k, s.get());
            mem[5] = DeviceMemory.zeroed(ctx, 8L * k, s.get());
        } catch (RuntimeException e) {
            for (DeviceMemory x : mem) {
                if (x != null) {
                    x.close();
                }
            }
            throw e;
        }
        this.owned = mem;
        this.means = mem[0];
        this.weights = mem[1];
        this.bias = mem[2];
        this.cand = mem[3];
        this.hits = mem[4];
        this.counts = mem[5];
    }

    private DeviceMemory upload(double[] a) {
        DeviceMemory mem;
        if (dtype == DType.FLOAT32) {
            float[] f = new float[a.length];
            for (int i = 0; i < a.length; i++) {
                f[i] = (float) a[i];
            }
            mem = DeviceMemory.allocate(ctx, 4L * f.length);
            Cuda.check(cuMemcpyHtoD(mem.ptr(), Pointer.to(f), 4L * f.length), "cuMemcpyHtoD decisions operand");
        } else {
            mem = DeviceMemory.allocate(ctx, 8L * a.length);
            Cuda.check(cuMemcpyHtoD(mem.ptr(), Pointer.to(a), 8L * a.length), "cuMemcpyHtoD decisions operand");
        }
        return mem;
    }

    @Override
    public void add(Batch batch) {
        ensureOpen();
        if (batch.labels() == null) {
            throw new IllegalArgumentException("decisions need labels");
        }
        if (batch.n() == 0) {
            return;
        }
        backend.stager().stage(batch, 0, (x, y, n, stream) -> launch(x, y, n, stream));
    }

    /** Adds {@code n} device-resident labelled rows; returns after the kernel finished reading them. */
    public void addDevice(long x, long y, long n) {
        ensureOpen();
        if (n <= 0) {
            return;
        }
        Stager st = backend.stager();
        st.onCompute(() -> {
            launch(x, y, n, st.compute);
            st.compute.sync();
        });
    }

    private void launch(long x, long y, long n, CudaStream stream) {
        int grid = (int) Math.max(1, Math.min((n + 7) / 8, 65535L * 8));
        ctx.launch(dtype == DType.FLOAT32 ? Kernel.DECISIONS_F32 : Kernel.DECISIONS_F64, grid, 1, 256, 0,
                stream.get(), x, y, n, d, means, weights, bias, cand, c, hits, counts);
    }

    private long[] read(DeviceMemory m, String what) {
        ensureOpen();
        backend.stager().sync();
        long[] v = new long[k];
        Cuda.check(cuMemcpyDtoH(Pointer.to(v), m.ptr(), 8L * k), "cuMemcpyDtoH " + what);
        return v;
    }

    @Override
    public long[] hits() {
        return read(hits, "hits");
    }

    @Override
    public long[] counts() {
        return read(counts, "counts");
    }

    @Override
    void release() {
        backend.stager().sync();
        try {
            for (DeviceMemory m : owned) {
                if (m != null) {
                    m.close();
                }
            }
        } finally {
            backend.forget(this);
        }
    }
}
