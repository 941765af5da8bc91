package org.ncj.backend.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The precompiled PTX resources: reading, entry points and the driver each needs. */
final class Ptx {
    private static final Pattern ENTRY = Pattern.compile("\\.entry\\s+([A-Za-z_$][\\w$]*)");
    private static final Pattern PARAM = Pattern.compile("\\.param\\s+\\.(\\w+)");
    private static final Pattern VERSION = Pattern.compile("(?m)^\\s*\\.version\\s+(\\d+)\\.(\\d+)");

    private Ptx() {
    }

    /** The PTX text of a family, or null when the resource is absent. */
    static String text(String family) {
        try (InputStream in = Ptx.class.getResourceAsStream(PtxEntry.resource(family))) {
            return in == null ? null : new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + PtxEntry.resource(family), e);
        }
    }

    /** NUL-terminated bytes for {@code cuModuleLoadData}. */
    static byte[] image(String family) {
        String t = text(family);
        if (t == null) {
            throw new IllegalStateException("PTX resource " + PtxEntry.resource(family) + " is missing from this build");
        }
        byte[] b = t.getBytes(StandardCharsets.US_ASCII);
        byte[] z = new byte[b.length + 1];
        System.arraycopy(b, 0, z, 0, b.length);
        return z;
    }

    /** Names of the {@code .entry} lines of a PTX text. */
    static Set<String> entries(String ptx) {
        Set<String> s = new LinkedHashSet<>();
        Matcher m = ENTRY.matcher(ptx);
        while (m.find()) {
            s.add(m.group(1));
        }
        return s;
    }

    /**
     * The parameter types of entry {@code entry} in order ({@code "u64"}, {@code "u32"},
     * {@code "f64"}, ...: the PTX type without its dot), or null when the text has no such entry.
     */
    static java.util.List<String> params(String ptx, String entry) {
        Matcher m = Pattern.compile("\\.entry\\s+" + Pattern.quote(entry) + "\\s*\\(([^)]*)\\)").matcher(ptx);
        if (!m.find()) {
            return null;
        }
        java.util.List<String> out = new java.util.ArrayList<>();
        Matcher p = PARAM.matcher(m.group(1));
        while (p.find()) {
            out.add(p.group(1));
        }
        return out;
    }

    /**
     * Null when {@code args} (as passed to {@link CudaContext#launch}) fit the PTX parameter
     * types, else what does not: a {@code DeviceMemory}, null or {@code Long} needs a 64-bit
     * integer parameter, an {@code Integer} a 32-bit one, a {@code Double} an {@code f64}.
     */
    static String mismatch(String entry, java.util.List<String> types, Object[] args) {
        if (types.size() != args.length) {
            return entry + " takes " + types.size() + " parameters " + types + ", the launch passes " + args.length;
        }
        for (int i = 0; i < args.length; i++) {
            String t = types.get(i);
            boolean ok = switch (args[i]) {
                case null -> t.endsWith("64") && !t.startsWith("f");
                case DeviceMemory m -> t.endsWith("64") && !t.startsWith("f");
                case Long v -> t.endsWith("64") && !t.startsWith("f");
                case Integer v -> t.endsWith("32") && !t.startsWith("f");
                case Double v -> t.equals("f64");
                default -> false;
            };
            if (!ok) {
                return entry + " parameter " + i + " is ." + t + " but the launch passes "
                        + (args[i] == null ? "null (a pointer)" : args[i].getClass().getSimpleName());
            }
        }
        return null;
    }

    /** {@code {major, minor}} of the {@code .version} directive, or null. */
    static int[] isaVersion(String ptx) {
        Matcher m = VERSION.matcher(ptx);
        return m.find() ? new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))} : null;
    }

    /**
     * The lowest {@code cuDriverGetVersion} value that JIT-compiles a PTX ISA: ISA 9.x needs
     * CUDA 13.x (driver R580+), 8.x needs 12.x, 7.x needs 11.x.
     */
    static int requiredDriver(int[] isa) {
        if (isa == null) {
            return 0;
        }
        int major = isa[0] + 4;
        return major * 1000 + isa[1] * 10;
    }

    /** Driver versions like {@code 13000} as {@code "13.0"}. */
    static String cudaVersion(int v) {
        return (v / 1000) + "." + (v % 1000) / 10;
    }
}
