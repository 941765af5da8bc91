package org.ncj.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import java.util.concurrent.Callable;

import org.ncj.DType;
import org.ncj.accumulate.ClassFilter;
import org.ncj.accumulate.Classifier;
import org.ncj.analysis.Analysis;
import org.ncj.demo.Ufm;
import org.ncj.io.Json;
import org.ncj.measure.MetricSet;
import org.ncj.report.HtmlReport;
import org.ncj.report.ReportData;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ncj demo}: trains the unconstrained-features model and measures NC1-NC5 at checkpoints,
 * showing neural collapse happen.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Watch neural collapse happen: trains the unconstrained-features model (free features H, a linear "
                + "classifier W with bias b; cross-entropy with weight decay on H, W and b; plain full-batch gradient descent) "
                + "and measures NC1-NC5 with the library at checkpoints (NC5 against Gaussian features as OOD data).",
                "Writes DIR/metrics.json ({\"checkpoints\": [{\"step\": s, \"metrics\": {...}}, ...]}) and DIR/report.html."})
public final class Demo implements Callable<Integer> {

    @Option(names = "--classes", defaultValue = "10", paramLabel = "K", description = "Classes (default: ${DEFAULT-VALUE}).")
    int k;

    @Option(names = "--dim", defaultValue = "32", paramLabel = "D", description = "Feature dimension, >= K (default: ${DEFAULT-VALUE}).")
    int d;

    @Option(names = "--per-class", defaultValue = "50", paramLabel = "N", description = "Samples per class (default: ${DEFAULT-VALUE}).")
    int perClass;

    @Option(names = "--steps", defaultValue = "3000", paramLabel = "N", description = "Gradient-descent steps (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--checkpoints", defaultValue = "16", paramLabel = "N",
            description = "Checkpoints, log-spaced in steps, where NC1-NC5 are measured (default: ${DEFAULT-VALUE}).")
    int checkpoints;

    @Option(names = "--lr", defaultValue = "0.5", paramLabel = "X", description = "Learning rate (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--weight-decay", defaultValue = "5e-3", paramLabel = "X",
            description = "Weight decay on H, W and b (default: ${DEFAULT-VALUE}).")
    double weightDecay;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "N", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--backend", defaultValue = "cpu", paramLabel = "auto|cpu|cuda", description = "Where to measure (default: ${DEFAULT-VALUE}).")
    String backend;

    @Option(names = "--dtype", defaultValue = "float64", paramLabel = "float32|float64",
            description = "Accumulation precision (default: ${DEFAULT-VALUE}).")
    String dtype;

    @Option(names = "--out", defaultValue = "ncj-demo", paramLabel = "DIR", description = "Output directory (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = {"-q", "--quiet"}, description = "No progress bar.")
    boolean quiet;

    /** Log-spaced checkpoint steps in [0, steps], always including 0 and steps. */
    static List<Integer> checkpointSteps(int steps, int count) {
        TreeSet<Integer> s = new TreeSet<>();
        s.add(0);
        s.add(steps);
        for (int i = 1; s.size() < count && i < 10 * count; i++) {
            s.clear();
            s.add(0);
            s.add(steps);
            int c = count + i - 1;
            for (int j = 0; j < c - 1; j++) {
                s.add((int) Math.round(Math.pow(steps, (double) j / (c - 2))));
            }
        }
        return new ArrayList<>(s);
    }

    @Override
    public Integer call() throws Exception {
        if (k < 2 || d < 1 || perClass < 1 || steps < 1 || checkpoints < 2 || !(lr > 0) || !(weightDecay >= 0)) {
            throw new Main.UsageException("demo needs --classes >= 2, --dim, --per-class, --steps >= 1, --checkpoints >= 2, --lr > 0, --weight-decay >= 0");
        }
        DType dt;
        try {
            dt = DType.parse(dtype);
        } catch (IllegalArgumentException e) {
            throw new Main.UsageException("--dtype: " + e.getMessage());
        }
        long t0 = System.nanoTime();
        PrintStream err = System.err;
        boolean bar = !quiet && Progress.Factory.terminal();
        Ufm model = new Ufm(k, d, perClass, lr, weightDecay, weightDecay, weightDecay, seed);
        Random rnd = new Random(seed + 1);
        int nOod = 500;
        float[] ood = new float[nOod * d];
        for (int i = 0; i < ood.length; i++) {
            ood[i] = (float) rnd.nextGaussian();
        }
        List<Integer> at = checkpointSteps(steps, checkpoints);
        List<ReportData.Point> points = new ArrayList<>();
        List<Object> jsonCheckpoints = new ArrayList<>();
        ReportData.Detail first = null;
        ReportData.Detail last = null;
        PrintStream o = System.out;
        o.printf(Locale.ROOT, "ncj demo: unconstrained-features model, K = %d, D = %d, %d samples per class, %d steps, lr %s, weight decay %s%n",
                k, d, perClass, steps, lr, weightDecay);
        List<String> lines = new ArrayList<>();
        try (Analysis analysis = Analysis.builder().backend(backend).dtype(dt).classFilter(ClassFilter.PRESENT)
                .options(MetricSet.Options.DEFAULT).batchRows(4096).build();
             Progress p = new Progress.Factory(err, bar).start("training", steps, "steps")) {
            int step = 0;
            for (int cp : at) {
                while (step < cp) {
                    model.step();
                    step++;
                    p.advance(1);
                }
                Classifier clf = Classifier.of(model.w, k, d).withBias(model.b);
                Analysis.Result r = analysis.run(Analysis.Inputs.train(Analysis.Data.of("H", model.h, d, "y", model.y))
                        .withClasses(k).withClassifier(clf).withOod(Analysis.Data.unlabelled("ood", ood, d)));
                points.add(new ReportData.Point("step " + cp, r.metrics().asMap()));
                Map<String, Object> c = new LinkedHashMap<>();
                c.put("step", cp);
                c.put("loss", step == 0 ? Double.NaN : model.loss());
                c.put("metrics", r.metrics().asMap());
                jsonCheckpoints.add(c);
                ReportData.Detail det = Details.of("step " + cp, r);
                if (first == null) {
                    first = det;
                }
                last = det;
                Map<String, Double> m = r.metrics().asMap();
                lines.add(String.format(Locale.ROOT, "%8d %10.4g %12.4g %12.4g %12.4g %10.4f %10.4f", cp, step == 0 ? Double.NaN : model.loss(),
                        m.get("nc1_pinv"), m.get("nc2_etf_err"), m.get("nc3_dual_err"), m.get("nc4_agree"), m.get("nc5_ood_dev")));
            }
        }
        o.printf(Locale.ROOT, "%8s %10s %12s %12s %12s %10s %10s%n", "step", "loss", "nc1_pinv", "nc2_etf_err", "nc3_dual_err", "nc4_agree",
                "nc5_ood_dev");
        for (String line : lines) {
            o.println(line);
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("checkpoints", jsonCheckpoints);
        Map<String, Object> model0 = new LinkedHashMap<>();
        model0.put("model", "unconstrained features (free H, linear W with bias), cross-entropy + weight decay, full-batch gradient descent");
        model0.put("K", k);
        model0.put("D", d);
        model0.put("per_class", perClass);
        model0.put("steps", steps);
        model0.put("lr", lr);
        model0.put("weight_decay", weightDecay);
        model0.put("seed", seed);
        model0.put("ood", nOod + " Gaussian N(0, I) features");
        model0.put("nc4_evaluated_on", "train");
        json.put("demo", model0);
        json.put("dtype", dt.name().toLowerCase(Locale.ROOT));
        json.put("notes", List.of("loss is null at step 0 (no step taken yet); non-finite values are written as null"));
        json.put("detail", last.toJson());
        json.put("seconds", Map.of("total", secs));
        List<String> notes = List.of(
                "The unconstrained-features model: every sample's feature h_i is a free parameter, trained with a linear classifier (W, b) "
                        + "by gradient descent on cross-entropy with weight decay. Its optimum is exactly neural collapse, so the curves below "
                        + "show collapse happening as training proceeds: NC1 falls by orders of magnitude, the ETF and duality errors go to 0, "
                        + "agreement goes to 1.",
                "NC4 is measured on the training features (the model has no test set). NC5 uses " + nOod + " Gaussian features as OOD "
                        + "data; they do not pass through the trained model, so NC5 stays near the |cos| of a random direction "
                        + String.format(Locale.ROOT, "(√(2/(πD)) ≈ %.2f)", Math.sqrt(2 / (Math.PI * d)))
                        + ". In a real network, OOD inputs pass through it and NC5 falls as training proceeds.");
        Map<String, String> info = new LinkedHashMap<>();
        info.put("model", "K = " + k + ", D = " + d + ", " + perClass + " samples per class, " + steps + " steps, lr " + lr
                + ", weight decay " + weightDecay + ", seed " + seed);
        info.put("measured", at.size() + " checkpoints, " + dt.name().toLowerCase(Locale.ROOT) + ", backend " + backend);
        ReportData data = new ReportData("ncj demo: neural collapse in the unconstrained-features model", "checkpoint", points,
                List.of(first, last), notes, info);
        try (OutputDir od = new OutputDir(out)) {
            od.write("metrics.json", Json.write(json));
            od.write("report.html", HtmlReport.render(data));
            od.commit();
        }
        Map<String, Double> f = points.get(0).metrics();
        Map<String, Double> l = points.get(points.size() - 1).metrics();
        o.printf(Locale.ROOT, "NC1 fell %.3g× (%.3g → %.3g); ETF error %.3g; duality error %.3g; agreement %.4f.  %.1f s%n",
                f.get("nc1_pinv") / l.get("nc1_pinv"), f.get("nc1_pinv"), l.get("nc1_pinv"), l.get("nc2_etf_err"),
                l.get("nc3_dual_err"), l.get("nc4_agree"), secs);
        o.println("wrote " + out.resolve("metrics.json") + " and " + out.resolve("report.html") + "  (open the report in a browser)");
        return 0;
    }
}
