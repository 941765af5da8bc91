package org.ncj.cli;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import org.ncj.io.BadInputException;
import org.ncj.report.HtmlReport;
import org.ncj.io.Json;
import org.ncj.report.ReportData;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ncj report}: several metrics.json (epochs, layers, models) as curves in one report.html. */
@Command(name = "report", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Combine several metrics.json files (of analyze or demo: epochs, layers, models) into one "
                + "self-contained DIR/report.html with the metrics as curves, in the order given."},
        footer = {"", "Example:", "  ./ncj report --label epoch1=run/e1/metrics.json \\", "      --label epoch2=run/e2/metrics.json --out run/report"})
public final class ReportCommand implements Callable<Integer> {

    @Option(names = "--label", paramLabel = "NAME=PATH",
            description = "A metrics.json (or the directory holding it) and its label; repeat, in order.")
    List<String> labelled = new ArrayList<>();

    @Parameters(paramLabel = "PATH", arity = "0..*", description = "More metrics.json files (labelled by their directory's name).")
    List<String> paths = new ArrayList<>();

    @Option(names = "--title", defaultValue = "Neural collapse across inputs", description = "Page title (default: ${DEFAULT-VALUE}).")
    String title;

    @Option(names = "--out", defaultValue = "ncj-report", paramLabel = "DIR", description = "Output directory (default: ${DEFAULT-VALUE}).")
    Path out;

    @Override
    public Integer call() throws Exception {
        List<String[]> inputs = new ArrayList<>();
        for (String s : labelled) {
            int eq = s.indexOf('=');
            if (eq <= 0) {
                throw new Main.UsageException("--label " + s + ": expected NAME=PATH");
            }
            inputs.add(new String[] {s.substring(0, eq), s.substring(eq + 1)});
        }
        for (String p : paths) {
            Path f = Path.of(p);
            Path dir = Files.isDirectory(f) ? f : f.toAbsolutePath().getParent();
            inputs.add(new String[] {dir.getFileName() == null ? p : dir.getFileName().toString(), p});
        }
        if (inputs.isEmpty()) {
            throw new Main.UsageException("report needs at least one --label NAME=PATH or PATH");
        }
        List<ReportData.Point> points = new ArrayList<>();
        boolean checkpoints = false;
        List<ReportData.Detail> details = new ArrayList<>();
        Map<String, String> info = new LinkedHashMap<>();
        for (String[] in : inputs) {
            Path f = Path.of(in[1]);
            if (Files.isDirectory(f)) {
                f = f.resolve("metrics.json");
            }
            Object json;
            try {
                json = Json.parseNumbersAsDoubles(Files.readString(f));
            } catch (NoSuchFileException e) {
                throw new BadInputException(f, "no such file");
            } catch (IllegalArgumentException e) {
                throw new BadInputException(f, e.getMessage());
            } catch (java.nio.charset.MalformedInputException e) {
                throw new BadInputException(f, "is not UTF-8 text");
            }
            if (!(json instanceof Map<?, ?> m)) {
                throw new BadInputException(f, "is not a JSON object");
            }
            if (m.get("checkpoints") instanceof List<?> cps) {
                checkpoints = true;
                for (Object cp : cps) {
                    if (!(cp instanceof Map<?, ?> c)) {
                        throw new BadInputException(f, "a checkpoint is not a JSON object: not an ncj metrics.json");
                    }
                    Object step = c.get("step");
                    String stepText = step instanceof Number n ? Long.toString(n.longValue()) : String.valueOf(step);
                    points.add(new ReportData.Point(inputs.size() == 1 ? "step " + stepText : in[0] + "@" + stepText,
                            ReportData.metrics(c.get("metrics"))));
                }
            } else if (m.get("metrics") instanceof Map<?, ?> mm) {
                points.add(new ReportData.Point(in[0], ReportData.metrics(mm)));
            } else {
                throw new BadInputException(f, "holds neither \"metrics\" nor \"checkpoints\": not an ncj metrics.json");
            }
            if (m.get("detail") != null) {
                try {
                    details.add(ReportData.Detail.fromJson(m.get("detail"), in[0]));
                } catch (RuntimeException e) {
                    throw new BadInputException(f, "malformed \"detail\": " + e);
                }
            }
            info.put(in[0], f.toString());
        }
        if (details.size() > 3) {
            details = List.of(details.get(0), details.get(details.size() - 1));
        }
        ReportData data = new ReportData(title, checkpoints ? "checkpoint" : "input", points, details,
                List.of(), info);
        try (OutputDir o = new OutputDir(out)) {
            o.write("report.html", HtmlReport.render(data));
            o.commit();
        }
        System.out.println("wrote " + out.resolve("report.html") + " (" + points.size() + " points from " + inputs.size() + " files)");
        return 0;
    }
}
