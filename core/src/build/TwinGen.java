import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Writes the float32 and float64 twins of each hot loop from one template (README "One source for
 * the float32 and float64 loops"). Run by Maven in generate-sources (core/pom.xml, exec-maven-plugin)
 * with the JDK's source launcher, so it needs no build of its own:
 * {@code java src/build/TwinGen.java src/main/twins target/generated-sources/twins}.
 *
 * <p>A template {@code Name.java.twin} starts with one line per twin,
 * {@code //# twin F32: T=float CHUNK=256}; the rest is Java in which {@code ${S}} is the twin's
 * name and {@code ${KEY}} its values. Each twin becomes {@code Name<twin>.java} in the template's
 * package folder. A placeholder without a value, a template without twins or a malformed header
 * line stops the build.
 */
public final class TwinGen {
    private static final Pattern HEADER = Pattern.compile("//# twin (\\w+):((?: \\w+=\\S+)*)\\s*");
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{(\\w+)}");
    static final String SUFFIX = ".java.twin";

    private TwinGen() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            throw new IllegalArgumentException("usage: TwinGen <template folder> <output folder>");
        }
        Path in = Path.of(args[0]);
        Path out = Path.of(args[1]);
        List<Path> templates;
        try (Stream<Path> s = Files.walk(in)) {
            templates = s.filter(p -> p.toString().endsWith(SUFFIX)).sorted().toList();
        }
        if (templates.isEmpty()) {
            throw new IllegalStateException("no *" + SUFFIX + " templates under " + in);
        }
        for (Path t : templates) {
            Path rel = in.relativize(t);
            String base = rel.getFileName().toString();
            base = base.substring(0, base.length() - SUFFIX.length());
            Path dir = rel.getParent() == null ? out : out.resolve(rel.getParent());
            Files.createDirectories(dir);
            for (Map.Entry<String, String> e : expand(rel.toString().replace('\\', '/'), Files.readString(t)).entrySet()) {
                Path file = dir.resolve(base + e.getKey() + ".java");
                // Unchanged files keep their timestamps, so the compiler's incremental check is not tripped.
                if (!Files.exists(file) || !Files.readString(file).equals(e.getValue())) {
                    Files.writeString(file, e.getValue(), StandardCharsets.UTF_8);
                }
            }
        }
    }

    /** Twin name → generated source, in header order. */
    static Map<String, String> expand(String name, String template) {
        List<String> lines = template.lines().toList();
        Map<String, Map<String, String>> twins = new LinkedHashMap<>();
        int i = 0;
        for (; i < lines.size() && lines.get(i).startsWith("//#"); i++) {
            Matcher m = HEADER.matcher(lines.get(i));
            if (!m.matches()) {
                throw new IllegalArgumentException(name + ":" + (i + 1) + ": malformed header line '" + lines.get(i)
                        + "', expected '//# twin NAME: KEY=VALUE ...'");
            }
            Map<String, String> values = new LinkedHashMap<>();
            values.put("S", m.group(1));
            for (String kv : m.group(2).trim().split(" ")) {
                if (!kv.isEmpty()) {
                    int eq = kv.indexOf('=');
                    values.put(kv.substring(0, eq), kv.substring(eq + 1));
                }
            }
            twins.put(m.group(1), values);
        }
        if (twins.isEmpty()) {
            throw new IllegalArgumentException(name + ": no '//# twin NAME: KEY=VALUE ...' header lines");
        }
        List<String> body = new ArrayList<>(lines.subList(i, lines.size()));
        Map<String, String> result = new LinkedHashMap<>();
        for (Map.Entry<String, Map<String, String>> twin : twins.entrySet()) {
            StringBuilder sb = new StringBuilder();
            sb.append("// Generated from src/main/twins/").append(name).append(" (twin ").append(twin.getKey())
                    .append(") by src/build/TwinGen.java: edit the template, not this file.\n");
            for (int l = 0; l < body.size(); l++) {
                Matcher m = PLACEHOLDER.matcher(body.get(l));
                StringBuilder line = new StringBuilder();
                while (m.find()) {
                    String v = twin.getValue().get(m.group(1));
                    if (v == null) {
                        throw new IllegalArgumentException(name + ":" + (i + l + 1) + ": ${" + m.group(1)
                                + "} has no value in twin " + twin.getKey());
                    }
                    m.appendReplacement(line, Matcher.quoteReplacement(v));
                }
                m.appendTail(line);
                sb.append(line).append('\n');
            }
            result.put(twin.getKey(), sb.toString());
        }
        return result;
    }
}
