package org.ncj.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The generated float32/float64 twins (src/main/twins, src/build/TwinGen.java, README "One source
 * for the float32 and float64 loops") are those of the templates as they are now: a template
 * edited without regenerating (an IDE build that skips Maven's generate-sources), a twin removed
 * or left over from a deleted template fails here; so does a generator that lets a template
 * mistake through.
 */
class TwinSourcesTest {
    static final Path TEMPLATES = Path.of("src/main/twins");
    static final Path GENERATOR = Path.of("src/build/TwinGen.java");
    static final Path GENERATED = Path.of("target/generated-sources/twins");

    @TempDir
    Path tmp;

    private static Method main;

    /** The generator compiled once in this JVM (starting it per call, as Maven does, costs seconds). */
    @BeforeAll
    static void compileGenerator(@TempDir Path classes) throws Exception {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertEquals(0, javac.run(null, null, null, "-d", classes.toString(), GENERATOR.toString()), "TwinGen.java does not compile");
        URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()}, null);
        main = loader.loadClass("TwinGen").getMethod("main", String[].class);
    }

    /** Runs the generator as Maven does; returns null or the message it stopped with. */
    static String generate(Path templates, Path out) throws Exception {
        try {
            main.invoke(null, (Object) new String[] {templates.toString(), out.toString()});
            return null;
        } catch (InvocationTargetException e) {
            return String.valueOf(e.getCause().getMessage());
        }
    }

    static Map<String, String> files(Path root) throws IOException {
        Map<String, String> m = new TreeMap<>();
        if (Files.isDirectory(root)) {
            try (Stream<Path> s = Files.walk(root)) {
                for (Path p : s.filter(Files::isRegularFile).toList()) {
                    m.put(root.relativize(p).toString(), Files.readString(p));
                }
            }
        }
        return m;
    }

    @Test
    void generatedTwinsMatchTheTemplates() throws Exception {
        assertNull(generate(TEMPLATES, tmp));
        Map<String, String> fresh = files(tmp);
        assertTrue(fresh.containsKey("org/ncj/backend/cpu/SyrkBandF32.java"), fresh.keySet()::toString);
        assertTrue(fresh.containsKey("org/ncj/backend/cpu/SyrkBandF64.java"), fresh.keySet()::toString);
        Map<String, String> built = files(GENERATED);
        assertEquals(fresh.keySet(), built.keySet(), "twins in " + GENERATED + " (run mvn generate-sources)");
        for (String f : fresh.keySet()) {
            assertEquals(fresh.get(f), built.get(f), f + " is stale: run mvn generate-sources");
        }
        // the classes the backend runs are those twins, with the template's values
        assertEquals(256, SyrkBandF32.CHUNK);
        assertEquals(Integer.MAX_VALUE, SyrkBandF64.CHUNK);
    }

    @Test
    void eachTwinIsTheTemplateWithItsValues() throws Exception {
        Path pkg = Files.createDirectories(tmp.resolve("in/a/b"));
        Files.writeString(pkg.resolve("Loop.java.twin"), """
                //# twin F32: T=float ONE=1f
                //# twin F64: T=double ONE=1.0
                package a.b;
                final class Loop${S} { static ${T} one() { return ${ONE}; } }
                """);
        assertNull(generate(tmp.resolve("in"), tmp.resolve("out")));
        Map<String, String> out = files(tmp.resolve("out"));
        assertEquals(List.of("a/b/LoopF32.java", "a/b/LoopF64.java"), List.copyOf(out.keySet()));
        String f32 = out.get("a/b/LoopF32.java");
        assertTrue(f32.startsWith("// Generated from src/main/twins/a/b/Loop.java.twin (twin F32)"), f32);
        assertTrue(f32.endsWith("package a.b;\nfinal class LoopF32 { static float one() { return 1f; } }\n"), f32);
        assertTrue(out.get("a/b/LoopF64.java").endsWith("final class LoopF64 { static double one() { return 1.0; } }\n"));
    }

    @Test
    void templateMistakesStopTheBuild() throws Exception {
        String[][] cases = {
            {"//# twin F32: T=float\nclass A${S} { ${T} x; ${U} y; }\n", "${U} has no value in twin F32"},
            {"//# twin F32 T=float\nclass A${S} {}\n", "malformed header line"},
            {"class A {}\n", "no '//# twin"},
        };
        for (String[] c : cases) {
            Path in = Files.createDirectories(tmp.resolve("bad" + c[1].hashCode()));
            Files.writeString(in.resolve("A.java.twin"), c[0]);
            String error = generate(in, tmp.resolve("out-bad"));
            assertNotNull(error, "generator accepted: " + c[0]);
            assertTrue(error.contains(c[1]), () -> "expected '" + c[1] + "' in: " + error);
            assertFalse(Files.exists(tmp.resolve("out-bad/A.java")) || Files.exists(tmp.resolve("out-bad/AF32.java")));
        }
    }
}
