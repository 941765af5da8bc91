package org.ncj.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
// README imports begin
import org.ncj.DType;
import org.ncj.accumulate.Classifier;
import org.ncj.accumulate.Covariance;
import org.ncj.analysis.Analysis;
import org.ncj.analysis.Analysis.Data;
// README imports end
import org.ncj.testutil.Golden;

/**
 * The README's "Use from Java" example of {@link Analysis}, compiled and run here on a golden
 * case, and checked to be the text of the README's block (so neither can drift from the other).
 */
class ReadmeExampleTest {
    private static final Path README = Path.of("..", "README.md");
    /** The comment line that precedes the README's block. */
    private static final String MARKER = "<!-- compiled and run by core/src/test/java/org/ncj/analysis/ReadmeExampleTest.java -->";

    @Test
    void theExampleRunsOnAGoldenCase() throws IOException {
        Golden g = Golden.load("small");
        int K = g.k();
        int D = g.d();
        float[] x = g.trainX();
        int[] y = g.trainY();
        float[] xTest = g.testX();
        int[] yTest = g.testY();
        float[] weights = g.weights();
        float[] xOod = g.oodX();
        List<Object> seen = new ArrayList<>();
        // README example begin
        try (Analysis analysis = Analysis.builder()
                .backend("cpu")                              // or "auto" (CUDA if present), "cuda", or a Backend you own
                .dtype(DType.FLOAT64)
                .onePass(false)                              // two passes (the reference), or one (ClassStatistics)
                .build()) {
            Analysis.Result r = analysis.run(Analysis.Inputs
                    .train(Data.of("train", x, D, y))        // float[] N*D row-major, int[] N; or Data.of(Tensor2D, Tensor2D)
                    .withTest(Data.of("test", xTest, D, yTest))
                    .withClassifier(Classifier.of(weights, K, D))
                    .withOod(Data.unlabelled("ood", xOod, D)));
            double nc1 = r.metrics().get("nc1_pinv");        // every measure by name, in a fixed order
            String json = r.metrics().toJson();              // the "metrics" object of ./ncj analyze's metrics.json
            Covariance sigmaW = r.sw();                      // also r.means(), r.varNorms(), r.agreement(), r.seconds()
            seen.addAll(List.of(nc1, json, sigmaW, r));      // test only
        }
        // README example end
        Analysis.Result r = (Analysis.Result) seen.get(3);
        assertEquals(g.metrics().get("nc1_pinv"), (double) seen.get(0), 1e-9 * g.metrics().get("nc1_pinv"));
        assertEquals(r.metrics().toJson(), seen.get(1));
        assertEquals(D * D, ((Covariance) seen.get(2)).sigmaW().length);
        assertTrue(r.metrics().has("nc5_ood_dev") && r.metrics().has("nc4_agree"));
    }

    /** Lines between {@code // <what> begin} and {@code // <what> end} of this file, trimmed, without test-only lines. */
    private static List<String> region(String what) throws IOException {
        List<String> src = Files.readAllLines(Path.of("src/test/java/org/ncj/analysis/ReadmeExampleTest.java"));
        int a = src.indexOf(src.stream().filter(l -> l.trim().equals("// " + what + " begin")).findFirst().orElseThrow());
        int b = src.indexOf(src.stream().filter(l -> l.trim().equals("// " + what + " end")).findFirst().orElseThrow());
        return src.subList(a + 1, b).stream().filter(l -> !l.endsWith("// test only")).map(String::trim).toList();
    }

    @Test
    void theReadmeShowsThisExample() throws IOException {
        List<String> readme = Files.readAllLines(README);
        int at = readme.indexOf(MARKER);
        assertTrue(at >= 0, "README.md has the marker line " + MARKER);
        assertEquals("```java", readme.get(at + 1));
        int end = at + 2;
        while (!readme.get(end).equals("```")) {
            end++;
        }
        List<String> block = readme.subList(at + 2, end).stream().map(String::trim).filter(l -> !l.isEmpty()).toList();
        List<String> imports = block.stream().filter(l -> l.startsWith("import ")).toList();
        List<String> code = block.stream().filter(l -> !l.startsWith("import ")).toList();
        assertEquals(region("README imports"), imports, "imports");
        assertEquals(region("README example").stream().filter(l -> !l.isEmpty()).toList(), code,
                "the README's block is the example compiled here (README.md line " + (at + 3) + ")");
        assertTrue(code.size() <= 20, "about 15 lines of code, not " + code.size());
    }
}
