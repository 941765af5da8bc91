package org.ncj.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringWriter;
import java.net.URI;
import java.util.List;

import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;

import org.junit.jupiter.api.Test;
import org.ncj.backend.Backend;

/**
 * The public API refuses misuse at compile time where it can: a program is compiled against the
 * library's classes with the JDK's compiler, and must fail (or compile) as stated.
 */
class ApiMisuseTest {

    private static final String HEADER = """
            import org.ncj.DType;
            import org.ncj.accumulate.*;
            import org.ncj.backend.Backend;
            class Use {
              static void use(Backend b, Means means, float[] x, int[] y) {
            """;

    /** Compiles {@code body} inside a method; returns the compiler's diagnostics, or null when it compiled. */
    private static String compile(String body) {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        JavaFileObject src = new SimpleJavaFileObject(URI.create("string:///Use.java"), JavaFileObject.Kind.SOURCE) {
            @Override
            public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                return HEADER + body + "\n  }\n}\n";
            }
        };
        StringWriter out = new StringWriter();
        List<String> options = List.of("-classpath", System.getProperty("java.class.path"), "-proc:none", "-d",
                System.getProperty("java.io.tmpdir") + "/ncj-api-misuse");
        boolean ok = javac.getTask(out, null, null, options, null, List.of(src)).call();
        return ok ? null : out.toString();
    }

    @Test
    void meanAccumulatorHasNoMeansOverload() {
        String err = compile("try (var acc = new MeanAccumulator(3, 4, b, DType.FLOAT32)) { acc.accumulate(x, y, means); }");
        assertTrue(err != null, "MeanAccumulator.accumulate(x, y, means) must not compile");
        assertTrue(err.contains("accumulate"), err);
    }

    @Test
    void secondPassAccumulatorsKeepTheMeansOverload() {
        // The positive control: the same call on accumulators built with means compiles.
        assertEquals(null, compile("""
                try (var c = new CovarAccumulator(b, means); var v = new VarNormAccumulator(b, means)) {
                  c.accumulate(x, y, means);
                  v.accumulate(x, y, means);
                }
                """));
    }

    @Test
    void backendPrintsItsDescription() {
        try (Backend cpu = Backend.cpu()) {
            assertEquals(cpu.description(), cpu.toString());
            assertFalse(cpu.toString().contains("@"), cpu.toString());
        }
    }
}
