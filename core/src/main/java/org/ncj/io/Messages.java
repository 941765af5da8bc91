package org.ncj.io;

/**
 * Makes text from files safe to print in one line of an error message: non-printable characters
 * (C0 and C1 controls, DEL, format characters such as bidirectional overrides, line and
 * paragraph separators, lone surrogates) are escaped as backslash-x or backslash-u hex codes, and
 * the length is capped, so a hostile header can neither drive the terminal nor flood it.
 */
public final class Messages {
    /** The longest message part kept, in characters (longer ones are cut and say how much). */
    public static final int MAX_LENGTH = 300;

    private Messages() {
    }

    /** {@code s} escaped and capped at {@link #MAX_LENGTH} characters (plus a short note of what was cut). */
    public static String clean(String s) {
        return clean(s, MAX_LENGTH);
    }

    /** {@code s} escaped and capped at {@code max} characters (plus a short note of what was cut). */
    public static String clean(String s, int max) {
        if (s == null) {
            return "null";
        }
        StringBuilder sb = new StringBuilder(Math.min(s.length(), max) + 32);
        int i = 0;
        while (i < s.length() && sb.length() < max) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (printable(cp)) {
                sb.appendCodePoint(cp);
            } else if (cp <= 0xff) {
                sb.append(String.format("\\x%02x", cp));
            } else {
                sb.append(String.format("\\u%04x", cp));
            }
        }
        if (i < s.length()) {
            sb.append("... (").append(s.length() - i).append(" more characters)");
        }
        return sb.toString();
    }

    private static boolean printable(int cp) {
        if (cp == ' ') {
            return true;
        }
        return switch (Character.getType(cp)) {
            case Character.CONTROL, Character.FORMAT, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR,
                 Character.SPACE_SEPARATOR, Character.SURROGATE, Character.PRIVATE_USE, Character.UNASSIGNED -> false;
            default -> true;
        };
    }
}
