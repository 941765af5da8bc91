package org.ncj.testutil;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Minimal little-endian .npy reader for the golden files (independent of the library's reader). */
public record TinyNpy(String descr, int[] shape, ByteBuffer data) {
    public static TinyNpy read(Path p) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(p)).order(ByteOrder.LITTLE_ENDIAN);
        int major = b.get(6);
        int hlen = major == 1 ? Short.toUnsignedInt(b.getShort(8)) : b.getInt(8);
        int start = major == 1 ? 10 : 12;
        String h = new String(b.array(), start, hlen, java.nio.charset.StandardCharsets.ISO_8859_1);
        Matcher d = Pattern.compile("'descr':\\s*'([^']+)'").matcher(h);
        Matcher s = Pattern.compile("'shape':\\s*\\(([^)]*)\\)").matcher(h);
        if (!d.find() || !s.find()) {
            throw new IOException("bad header " + h);
        }
        String[] parts = s.group(1).split(",");
        int[] shape = java.util.Arrays.stream(parts).map(String::trim).filter(x -> !x.isEmpty()).mapToInt(Integer::parseInt).toArray();
        ByteBuffer data = b.position(start + hlen).slice().order(ByteOrder.LITTLE_ENDIAN);
        return new TinyNpy(d.group(1), shape, data);
    }

    public float[] floats() {
        if (!descr.equals("<f4")) {
            throw new IllegalStateException(descr);
        }
        float[] a = new float[data.remaining() / 4];
        data.asFloatBuffer().get(a);
        return a;
    }

    public double[] doubles() {
        if (!descr.equals("<f8")) {
            throw new IllegalStateException(descr);
        }
        double[] a = new double[data.remaining() / 8];
        data.asDoubleBuffer().get(a);
        return a;
    }

    public int[] ints() {
        if (!descr.equals("<i4")) {
            throw new IllegalStateException(descr);
        }
        int[] a = new int[data.remaining() / 4];
        data.asIntBuffer().get(a);
        return a;
    }

    public long[] longs() {
        if (!descr.equals("<i8")) {
            throw new IllegalStateException(descr);
        }
        long[] a = new long[data.remaining() / 8];
        data.asLongBuffer().get(a);
        return a;
    }
}
