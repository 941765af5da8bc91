package org.ncj.cli;

import java.io.PrintWriter;

import org.ncj.backend.BackendUnavailableException;
import org.ncj.io.BadInputException;
import org.ncj.io.Messages;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code ./ncj}: measure neural collapse in embedding files ({@code analyze}), watch it happen
 * ({@code demo}), and combine results into one report ({@code report}).
 *
 * <p>Exit codes: 0 success, 2 bad input or usage (one line on stderr, {@code ncj: FILE: problem}),
 * 1 any other error.
 */
@Command(name = "ncj", mixinStandardHelpOptions = true, version = "ncj 0.1.0-SNAPSHOT",
        description = {"Measure neural collapse (NC1-NC5) of embeddings, on the CPU or a CUDA GPU.",
                "Start with: ./ncj demo"},
        subcommands = {Demo.class, Analyze.class, ReportCommand.class, Tune.class, CommandLine.HelpCommand.class},
        footer = {"", "Exit codes: 0 ok, 2 bad input or usage, 1 other errors.",
                "Definitions of every metric: docs/METRICS.md of the ncj sources,",
                "also at the end of every report.html. Each command has --help."})
public final class Main implements Runnable {
    public static final int EXIT_BAD_INPUT = 2;

    /** Kept strongly reachable: netlib logs a warning per missing optional native library otherwise. */
    private static final java.util.logging.Logger NETLIB = java.util.logging.Logger.getLogger("dev.ludovic.netlib");

    static {
        NETLIB.setLevel(java.util.logging.Level.SEVERE);
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** A command line wired with our exit codes and one-line error messages. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        // "--train-y y.npy --bogus" is a mistyped option, not a file named --bogus.
        cl.setUnmatchedOptionsAllowedAsOptionParameters(false);
        cl.setExecutionExceptionHandler((ex, cmd, parseResult) -> {
            PrintWriter err = cmd.getErr();
            if (ex instanceof BadInputException) {
                err.println("ncj: " + ex.getMessage());
                err.flush();
                return EXIT_BAD_INPUT;
            }
            if (ex instanceof UsageException) {
                err.println("ncj: " + Messages.clean(ex.getMessage()));
                err.flush();
                return EXIT_BAD_INPUT;
            }
            if (ex instanceof java.nio.file.NoSuchFileException nf) {
                err.println("ncj: " + Messages.clean(nf.getFile()) + ": no such file");
                err.flush();
                return EXIT_BAD_INPUT;
            }
            if (ex instanceof BackendUnavailableException) {
                err.println("ncj: backend unavailable: " + Messages.clean(ex.getMessage()));
                err.flush();
                return 1;
            }
            err.println("ncj: error: " + Messages.clean(ex.toString()));
            if (System.getenv("NCJ_DEBUG") != null) {
                ex.printStackTrace(err);
            } else {
                err.println("ncj: (set NCJ_DEBUG=1 for the stack trace)");
            }
            err.flush();
            return 1;
        });
        cl.setParameterExceptionHandler((ex, args) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            err.println("ncj: " + Messages.clean(ex.getMessage()));
            err.println("ncj: see '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help'");
            err.flush();
            return EXIT_BAD_INPUT;
        });
        return cl;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** Options that cannot be used together, or a flag that is not implemented: exit 2. */
    static final class UsageException extends RuntimeException {
        UsageException(String msg) {
            super(msg);
        }
    }
}
