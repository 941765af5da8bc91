package org.ncj.testutil;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One golden case of {@code core/src/test/resources/golden} (cases and tolerances: {@code docs/METRICS.md}). */
public record Golden(String name, int k, int d, float[] trainX, int[] trainY, float[] testX, int[] testY, float[] oodX,
                     int[] oodY, float[] weights, Map<String, Double> metrics, Path dir) {

    public static final String[] CASES = {"small", "collapsed", "imbalanced", "k2", "manyclasses"};

    public static Path root() {
        String p = System.getProperty("ncj.golden.dir");
        return Path.of(p != null ? p : "src/test/resources/golden");
    }

    public static Golden load(String name) {
        try {
            Path dir = root().resolve(name);
            String json = Files.readString(dir.resolve("expected.json"));
            Map<String, Double> metrics = new LinkedHashMap<>();
            String body = json.substring(json.indexOf("\"metrics\""));
            body = body.substring(body.indexOf('{') + 1, body.indexOf('}'));
            Matcher m = Pattern.compile("\"([a-z0-9_]+)\"\\s*:\\s*([-+0-9.eE]+)").matcher(body);
            while (m.find()) {
                metrics.put(m.group(1), Double.parseDouble(m.group(2)));
            }
            int k = intField(json, "K");
            int d = intField(json, "D");
            return new Golden(name, k, d, f(dir, "train_x"), i(dir, "train_y"), f(dir, "test_x"), i(dir, "test_y"),
                    f(dir, "ood_x"), i(dir, "ood_y"), f(dir, "weights"), metrics, dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int intField(String json, String key) {
        Matcher m = Pattern.compile("\"" + key + "\"\\s*:\\s*(\\d+)").matcher(json);
        if (!m.find()) {
            throw new IllegalStateException("no " + key);
        }
        return Integer.parseInt(m.group(1));
    }

    private static float[] f(Path dir, String n) throws IOException {
        return TinyNpy.read(dir.resolve(n + ".npy")).floats();
    }

    private static int[] i(Path dir, String n) throws IOException {
        return TinyNpy.read(dir.resolve(n + ".npy")).ints();
    }

    public double[] expected(String array) {
        try {
            return TinyNpy.read(dir.resolve("expected_" + array + ".npy")).doubles();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public long[] expectedCounts() {
        try {
            return TinyNpy.read(dir.resolve("expected_counts.npy")).longs();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public boolean has(String array) {
        return Files.exists(dir.resolve("expected_" + array + ".npy"));
    }
}
