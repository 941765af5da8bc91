package org.ncj.io;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Objects;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzz targets for the .npy reader, the safetensors reader and the JSON reader. The normal test
 * command runs them in regression mode over the committed inputs in
 * {@code src/test/resources/org/ncj/io/ReadersFuzzTestInputs/<method>/}; {@code JAZZER_FUZZ=1}
 * with {@code -Dtest=ReadersFuzzTest#method} fuzzes one (README, "Fuzzing").
 */
class ReadersFuzzTest {

    @FuzzTest(maxDuration = "11m")
    void npy(byte[] data) {
        Path p = FuzzInvariant.file("input.npy", data);
        try (NpyArray a = Npy.open(p)) {
            checkRead(a, data.length);
        } catch (Exception e) {
            FuzzInvariant.clean(e, p.toString());
        }
    }

    @FuzzTest(maxDuration = "11m")
    void safetensors(byte[] data) {
        Path p = FuzzInvariant.file("input.safetensors", data);
        try (SafetensorsFile f = Safetensors.open(p)) {
            long covered = 0;
            for (String name : f.names()) {
                Safetensors.TensorInfo t = f.info(name);
                covered += t.end() - t.begin();
                try {
                    checkRead(f.tensor(name), data.length);
                } catch (BadInputException e) {
                    FuzzInvariant.cleanMessage(e, p + ":" + name);
                }
            }
            // validated layout: the tensors tile the data buffer exactly
            if (covered != f.bufferSize()) {
                throw new AssertionError("tensors cover " + covered + " of " + f.bufferSize() + " bytes");
            }
        } catch (Exception e) {
            FuzzInvariant.clean(e, p.toString());
        }
    }

    @FuzzTest(maxDuration = "11m")
    void json(byte[] data) {
        String text = new String(data, StandardCharsets.UTF_8);
        Object v;
        try {
            v = Json.parseNumbersAsDoubles(text);
        } catch (IllegalArgumentException e) {
            if (e.getMessage() == null || e.getMessage().length() > FuzzInvariant.MAX_MESSAGE) {
                throw new AssertionError("unbounded message", e);
            }
            return;
        }
        // what was read is written and read back to the same value
        String once = Json.write(v);
        String twice = Json.write(Json.parseNumbersAsDoubles(once));
        if (!once.equals(twice)) {
            throw new AssertionError("write/parse not stable:\n" + once + "\n" + twice);
        }
        Json.parse(text);
    }

    /** A successful open must describe data that is really there and readable in full. */
    private static void checkRead(MappedTensor t, long fileBytes) throws IOException {
        long elements = t.rows() * t.cols();
        if (elements * t.dtype().bytes() != t.dataBytes() || t.dataBytes() > fileBytes) {
            throw new AssertionError(t + ": " + elements + " elements in " + t.dataBytes() + " bytes of a " + fileBytes
                    + "-byte file");
        }
        if (t.dtype().isFloat()) {
            double[] a = t.readDoubles(0, t.rows());
            float[] f = t.readFloats(0, t.rows());
            for (int i = 0; i < a.length; i++) {
                if (Float.compare((float) a[i], f[i]) != 0 && !(Double.isNaN(a[i]) && Float.isNaN(f[i]))) {
                    throw new AssertionError(t + ": element " + i + " reads " + a[i] + " and " + f[i]);
                }
            }
        } else {
            try {
                Objects.requireNonNull(t.readInts(0, t.rows()));
            } catch (BadInputException e) {
                FuzzInvariant.cleanMessage(e, t.name());
            }
        }
    }
}
