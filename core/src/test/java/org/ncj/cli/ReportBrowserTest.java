package org.ncj.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ncj.report.HtmlReport;

/**
 * Renders the reports of {@code demo}, {@code analyze} and {@code report} in headless Chromium:
 * the page's own script must run to the end (it sets the title to {@value HtmlReport#OK_TITLE}
 * after checking that every plot has marks), and the screenshot must not be blank. Screenshots go
 * to {@code target/report-png/} for a look. Skips, saying why, where {@code chromium} is missing
 * ({@code .ci/test} installs it).
 */
class ReportBrowserTest {

    static String chromium;

    @TempDir
    Path tmp;

    @BeforeAll
    static void findChromium() {
        for (String c : new String[] {"chromium", "chromium-browser", "google-chrome"}) {
            for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
                if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, c))) {
                    chromium = Path.of(dir, c).toString();
                    return;
                }
            }
        }
    }

    private void assumeChromium() {
        Assumptions.assumeTrue(chromium != null,
                "chromium is not on PATH: install Debian's chromium package (.ci/test does) to render the report");
    }

    private String browser(Path profile, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--user-data-dir=" + profile));
        cmd.addAll(List.of(args));
        Path log = Files.createTempFile(tmp, "chromium", ".log");
        Process p = new ProcessBuilder(cmd).redirectError(log.toFile()).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "chromium finished");
        return new String(out, StandardCharsets.UTF_8);
    }

    /** Renders one report; returns the screenshot's path. */
    private Path render(Path html, String name) throws Exception {
        String url = html.toUri().toString();
        String dom = browser(Files.createTempDirectory(tmp, "profile"), "--virtual-time-budget=5000", "--dump-dom", url);
        Matcher t = Pattern.compile("<title>([^<]*)</title>").matcher(dom);
        assertTrue(t.find(), "a title in the DOM");
        assertEquals(HtmlReport.OK_TITLE, t.group(1), "the page's script ran to the end (no script error, no empty plot)");
        assertTrue(dom.contains("data-empty=\"0\""), "no empty plot");
        assertEquals("", geometryProblems(html), "what a reader sees in " + name);
        Path png = Path.of("target", "report-png", name + ".png").toAbsolutePath();
        Files.createDirectories(png.getParent());
        Files.deleteIfExists(png);
        browser(Files.createTempDirectory(tmp, "profile"), "--screenshot=" + png, "--window-size=1200,3000",
                "--hide-scrollbars", url);
        assertTrue(Files.exists(png), "screenshot written");
        BufferedImage img = ImageIO.read(png.toFile());
        Set<Integer> colours = new HashSet<>();
        long ink = 0;
        for (int y = 0; y < img.getHeight(); y += 2) {
            for (int x = 0; x < img.getWidth(); x += 2) {
                int rgb = img.getRGB(x, y) & 0xffffff;
                colours.add(rgb);
                if (rgb != 0xffffff) {
                    ink++;
                }
            }
        }
        long px = (long) (img.getHeight() / 2) * (img.getWidth() / 2);
        assertTrue(colours.size() > 50, "a drawn page, not a blank one: " + colours.size() + " colours");
        assertTrue(ink > px / 50, "more than 2% of the page drawn: " + ink + " of " + px);
        return png;
    }

    /**
     * Renders a copy of the report with {@code report-geometry.js} appended, which measures the
     * laid-out page (getBoundingClientRect, elementFromPoint): overlapping labels, labels outside
     * their plot, series hidden under others. Returns its list of problems, one per line.
     */
    private String geometryProblems(Path html) throws Exception {
        String checker;
        try (var in = ReportBrowserTest.class.getResourceAsStream("report-geometry.js")) {
            checker = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Path copy = html.resolveSibling("geometry-check.html");
        String page = Files.readString(html);
        int end = page.lastIndexOf("</body>");
        assertTrue(end > 0, "the report ends with </body>");
        Files.writeString(copy, page.substring(0, end) + "<script>\n" + checker + "</script>\n" + page.substring(end));
        String dom = browser(Files.createTempDirectory(tmp, "profile"), "--virtual-time-budget=5000", "--window-size=1200,1600",
                "--dump-dom", copy.toUri().toString());
        Files.delete(copy);
        Matcher m = Pattern.compile("<pre id=\"ncj-geometry\" data-problems=\"(\\d+)\">([^<]*)</pre>").matcher(dom);
        assertTrue(m.find(), "the geometry check ran");
        return m.group(2).replace("&quot;", "\"").replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">");
    }

    @Test
    void demoReportRendersWithoutErrors() throws Exception {
        assumeChromium();
        Path out = tmp.resolve("demo");
        assertEquals(0, CliRun.run("demo", "--quiet", "--steps", "1500", "--out", out.toString()).exit());
        render(out.resolve("report.html"), "demo");
        // A comparison of two demos: 32 points labelled NAME@step, the case where labels collided with the legend.
        Path other = tmp.resolve("demo-seed2");
        assertEquals(0, CliRun.run("demo", "--quiet", "--steps", "600", "--seed", "2", "--out", other.toString()).exit());
        CliRun r = CliRun.run("report", "--label", "demo=" + out, "--label", "seed2=" + other, "--out", tmp.resolve("both").toString());
        assertEquals(0, r.exit(), r.err());
        render(tmp.resolve("both").resolve("report.html"), "report-demos");
    }

    @Test
    void analyzeAndCombinedReportsRenderWithoutErrors() throws Exception {
        assumeChromium();
        Path g = Path.of(System.getProperty("ncj.golden.dir", "src/test/resources/golden"));
        List<String> labels = new ArrayList<>();
        for (String c : new String[] {"small", "collapsed", "manyclasses"}) {
            Path dir = g.resolve(c);
            Path out = tmp.resolve(c);
            CliRun r = CliRun.run("analyze", "--quiet", "--backend", "cpu", "--train-x", dir.resolve("train_x.npy").toString(),
                    "--train-y", dir.resolve("train_y.npy").toString(), "--test-x", dir.resolve("test_x.npy").toString(),
                    "--test-y", dir.resolve("test_y.npy").toString(), "--weights", dir.resolve("weights.npy").toString(),
                    "--ood-x", dir.resolve("ood_x.npy").toString(), "--out", out.toString());
            assertEquals(0, r.exit(), r.err());
            labels.add("--label");
            labels.add(c + "=" + out.resolve("metrics.json"));
        }
        render(tmp.resolve("small").resolve("report.html"), "analyze-small");
        render(tmp.resolve("manyclasses").resolve("report.html"), "analyze-manyclasses");
        List<String> args = new ArrayList<>(List.of("report", "--out", tmp.resolve("combined").toString()));
        args.addAll(labels);
        CliRun r = CliRun.run(args.toArray(String[]::new));
        assertEquals(0, r.exit(), r.err());
        render(tmp.resolve("combined").resolve("report.html"), "report-combined");
    }
}
