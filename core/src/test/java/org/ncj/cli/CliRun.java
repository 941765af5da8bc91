package org.ncj.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.ncj.io.Json;

import picocli.CommandLine;

/** Runs the CLI in-process, capturing exit code, stdout and stderr. */
public record CliRun(int exit, String out, String err) {

    public static synchronized CliRun run(String... args) {
        StringWriter err = new StringWriter();
        StringWriter out = new StringWriter();
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream sysOut = new ByteArrayOutputStream();
        ByteArrayOutputStream sysErr = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(sysOut, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(sysErr, true, StandardCharsets.UTF_8));
            CommandLine cl = Main.commandLine();
            cl.setOut(new PrintWriter(out, true));
            cl.setErr(new PrintWriter(err, true));
            code = cl.execute(args);
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        return new CliRun(code, out + sysOut.toString(StandardCharsets.UTF_8), err + sysErr.toString(StandardCharsets.UTF_8));
    }

    /** {@code ncj analyze --quiet --backend cpu --out OUT EXTRA...}. */
    public static CliRun analyze(Path out, String... extra) {
        java.util.List<String> a = new java.util.ArrayList<>(java.util.List.of("analyze", "--quiet", "--backend", "cpu", "--out",
                out.toString()));
        a.addAll(java.util.Arrays.asList(extra));
        return run(a.toArray(String[]::new));
    }

    /**
     * A small separable training set written to {@code dir}: N = 12 rows of D = 4 in K = 3 classes
     * (class c lifts coordinate c by 3), labels i mod K, and identity-like weights (K, D).
     */
    public record Inputs(Path x, Path y, Path w, float[] xs) {
        public static final int K = 3;
        public static final int D = 4;
        public static final int N = 12;

        public static Inputs write(Path dir) throws java.io.IOException {
            float[] xs = new float[N * D];
            int[] ys = new int[N];
            for (int i = 0; i < N; i++) {
                ys[i] = i % K;
                for (int j = 0; j < D; j++) {
                    xs[i * D + j] = (j == ys[i] ? 3f : 0f) + 0.1f * ((i * 7 + j * 3) % 5);
                }
            }
            Path x = dir.resolve("x.npy");
            Path y = dir.resolve("y.npy");
            Path w = dir.resolve("w.npy");
            org.ncj.io.Npy.write(x, xs, N, D);
            org.ncj.io.Npy.write(y, ys, N);
            float[] ws = new float[K * D];
            for (int c = 0; c < K; c++) {
                ws[c * D + c] = 1f;
            }
            org.ncj.io.Npy.write(w, ws, K, D);
            return new Inputs(x, y, w, xs);
        }
    }

    @SuppressWarnings("unchecked")
    public static Map<String, Object> json(Path file) throws java.io.IOException {
        return (Map<String, Object>) Json.parseNumbersAsDoubles(Files.readString(file));
    }
}
